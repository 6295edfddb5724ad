import { conformanceSuite, parseFixture } from '@recurrent/core/testing';
import { describe, inject, it } from 'vitest';
import { createWebgpuBackend } from '../src/index.js';

// float32 storage buffers and float32 WGSL arithmetic (SwiftShader here, a GPU elsewhere).
// Tolerances: core's float32 defaults, the fixture README's (forward 1e-5 + 1e-4 rel, gradients
// 1e-4 + 1e-3 rel, training runs 1e-4 + 1e-3 rel), no loosening. Both reference files: the
// main one and the hard-sigmoid cells (which the fused kernels must run, not decline).
conformanceSuite({ describe, it }, {
  name: 'webgpu',
  create: () => createWebgpuBackend(),
  fixture: () => inject('fixtures').map(({ path, text }) => parseFixture(JSON.parse(text), path)),
});
