/** Page module of `recurrent conformance --backend webgpu`. */
import { createWebgpuBackend } from '@recurrent/backend-webgpu';
import type { ConformancePageArgs, ConformancePageResult } from '../browser.js';
import { runConformancePage } from './conformance-page.js';

export const run = (args: ConformancePageArgs): Promise<ConformancePageResult> => runConformancePage(() => createWebgpuBackend(), args);
