/** gpu.js behaviours the backend guards against, shown on gpu.js itself and on the backend. */
import { BackendError } from '@recurrent/core';
import { GPU } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { Device } from '../src/internal/device.js';
import { createGpujsBackend } from '../src/index.js';

describe('gpu.js behaviours the backend works around', () => {
  it('gpu.js stops a loop bounded by an argument after loopMaxIterations (1000 by default), silently', () => {
    const gpu = new GPU({ mode: 'webasm' });
    const sum = gpu.createKernel('function (a, n) { var s = 0; for (var p = 0; p < n; p++) { s += a[p]; } return s; }', {
      output: [1],
    } as never) as unknown as (...args: unknown[]) => Float32Array;
    expect(Array.from(sum(new Float32Array(1500).fill(1), 1500))).toEqual([1000]);
    void gpu.destroy();
  });

  it('a kernel that gpu.js runs on another mode than the one asked for is a BackendError, not a quiet fallback', () => {
    // gpu.js runs webasm kernel maps on its cpu backend (with a console warning).
    const device = new Device({ mode: 'webasm', maxKernels: 4 });
    const ids = [device.write(Float32Array.of(1, 2))];
    const run = () =>
      device.runMap({ name: 'map', source: 'function (a) { var v = save(a[this.thread.x]); return v + 1; }', output: 2 }, { s: 'function save(v) { return v; }' }, ids);
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect(run).toThrowError(BackendError);
      expect(run).toThrowError(/gpu\.js ran kernel 'map' on its cpu backend instead \(kernel maps are not supported on the webasm backend\)/);
    } finally {
      console.warn = warn;
      device.destroy();
    }
  });

  it('a mode gpu.js cannot run here is a BackendError naming it', () => {
    expect(() => createGpujsBackend({ mode: 'webgl2' })).toThrowError(BackendError);
    expect(() => createGpujsBackend({ mode: 'webgl2' })).toThrowError(/gpu\.js cannot run mode 'webgl2' here/);
  });

  it('bad options are ConfigErrors', () => {
    expect(() => createGpujsBackend({ mode: 'webasm', maxKernels: 0 })).toThrowError(/maxKernels must be an integer >= 1, got 0/);
    expect(() => createGpujsBackend({ mode: 'webasm', maxTextureSize: 1.5 })).toThrowError(/maxTextureSize must be an integer >= 1/);
  });
});
