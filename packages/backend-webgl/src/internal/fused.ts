/** Every fused kernel of this backend: the recurrent steps, their backwards, and Adam. */
import type { FusedKernels } from '@recurrent/core';
import { adamKernel } from './adam.js';
import { gruKernels } from './gru.js';
import { gruBeforeKernels } from './gru-before.js';
import { lstmKernels } from './lstm.js';
import { simpleRnnKernel } from './simple-rnn.js';
import type { Gl } from './types.js';

export const fusedKernels = (g: Gl): FusedKernels => ({ ...simpleRnnKernel(g), ...lstmKernels(g), ...gruKernels(g), ...gruBeforeKernels(g), ...adamKernel(g) });
