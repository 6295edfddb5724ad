import { conformanceSuite, parseFixture } from '@recurrent/core/testing';
import { describe, expect, inject, it } from 'vitest';
import { createGpujsBackend, type GpujsBackendOptions } from '../../src/index.js';
import { bufferTests } from '../shared/buffers.js';
import { limitTests } from '../shared/limits.js';

/** A WebGL2 backend, failing the test if gpu.js chose anything else. */
const create = (options: GpujsBackendOptions = {}) => {
  const b = createGpujsBackend({ ...options, mode: 'webgl2' });
  if (b.mode !== 'webgl2') throw new Error(`asked for webgl2, gpu.js runs ${b.mode}`);
  return b;
};

describe('mode webgl2 (headless Chromium, SwiftShader)', () => {
  it('runs gpu.js WebGL2 kernels on float32 textures, with kernel maps', () => {
    const b = create();
    expect(b.mode).toBe('webgl2');
    expect(b.textures).toBe(true);
    expect(b.kernelMaps).toBe(true);
    expect(b.limits.maxElements).toBe(Math.min(2 ** 24, b.limits.maxTextureSize! ** 2));
    b.destroy?.();
  });
});

// Float32 textures and GLSL float32 arithmetic with our own tanh (GLSL's is NaN above |x| ~ 44
// and 1e-4 off near 0): core's float32 defaults hold with no loosening. Measured on
// SwiftShader, every check also passes at a tenth of them; a real GPU's exp/log may be less
// exact (GLSL ES allows ~3 ulp).
conformanceSuite({ describe, it }, {
  name: 'gpujs webgl2',
  create: () => create(),
  fixture: () => inject('referenceFixtures').map(({ path, text }) => parseFixture(JSON.parse(text), path)),
});

// The same suite with one output per pass (kernelMaps: false): the GL paths without kernel maps
// (2x2 matmul blocks, separate fused-step outputs) are otherwise not run in a GL mode.
conformanceSuite({ describe, it }, {
  name: 'gpujs webgl2 without kernel maps',
  create: () => {
    const b = create({ kernelMaps: false });
    if (b.kernelMaps) throw new Error('kernelMaps: false was ignored');
    return b;
  },
  fixture: () => inject('referenceFixtures').map(({ path, text }) => parseFixture(JSON.parse(text), path)),
});

limitTests('webgl2', () => create(), { exactIndexLimit: true });
bufferTests('webgl2', create);
