import { conformanceSuite } from '@recurrent/core/testing';
import { loadReferenceFixtures } from '@recurrent/core/testing/node';
import { describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsBackendOptions } from '../src/index.js';
import { bufferTests } from './shared/buffers.js';
import { limitTests } from './shared/limits.js';

/** A webasm backend, failing the test if gpu.js chose anything else. */
const create = (options: GpujsBackendOptions = {}) => {
  const b = createGpujsBackend({ ...options, mode: 'webasm' });
  if (b.mode !== 'webasm') throw new Error(`asked for webasm, gpu.js runs ${b.mode}`);
  return b;
};

describe('mode webasm', () => {
  it('runs gpu.js WebAssembly kernels with arrays as buffers and no kernel maps (gpu.js would run them on its cpu backend)', () => {
    const b = create();
    expect(b.mode).toBe('webasm');
    expect(b.textures).toBe(false);
    expect(b.kernelMaps).toBe(false);
    expect(b.limits).toEqual({ maxElements: 2 ** 24, maxTextureSize: null });
    b.destroy?.();
  });
});

// Float32 storage and float32 WebAssembly arithmetic: the fixture README's float32 tolerances
// (core's defaults: forward 1e-5 + 1e-4 rel, gradients and training 1e-4 + 1e-3 rel,
// primitives 1e-5 + 1e-5 rel) hold with no loosening; measured, every check also passes at a
// tenth of them.
conformanceSuite({ describe, it }, {
  name: 'gpujs webasm',
  create: () => create(),
  fixture: () => loadReferenceFixtures(),
});

limitTests('webasm', () => create(), { exactIndexLimit: true });
bufferTests('webasm', create);
