import { conformanceSuite } from '@recurrent/core/testing';
import { loadReferenceFixtures } from '@recurrent/core/testing/node';
import { describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsBackendOptions } from '../src/index.js';
import { bufferTests } from './shared/buffers.js';
import { limitTests } from './shared/limits.js';

/** A cpu-mode backend, failing the test if gpu.js chose anything else. */
const create = (options: GpujsBackendOptions = {}) => {
  const b = createGpujsBackend({ ...options, mode: 'cpu' });
  if (b.mode !== 'cpu') throw new Error(`asked for cpu, gpu.js runs ${b.mode}`);
  return b;
};

describe('mode cpu', () => {
  it("runs gpu.js's JavaScript kernels with arrays as buffers and kernel maps", () => {
    const b = create();
    expect(b.mode).toBe('cpu');
    expect(b.textures).toBe(false);
    expect(b.kernelMaps).toBe(true);
    expect(b.limits).toEqual({ maxElements: 2 ** 30, maxTextureSize: null });
    b.destroy?.();
  });
});

// gpu.js's cpu mode computes in float64 JavaScript and stores float32 arrays: core's float32
// defaults hold with no loosening (measured: also at a tenth of them).
conformanceSuite({ describe, it }, {
  name: 'gpujs cpu',
  create: () => create(),
  fixture: () => loadReferenceFixtures(),
});

// cpu mode indexes in float64: the float32 2^24 index bound does not apply (its bound, 2^30
// elements, is checked by the limit test without allocating).
limitTests('cpu', () => create(), { exactIndexLimit: false });
bufferTests('cpu', create);
