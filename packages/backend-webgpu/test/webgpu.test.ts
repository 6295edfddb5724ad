/**
 * What the conformance suite does not cover: that this really is WebGPU (no silent fallback),
 * that each fused op is one dispatch, the tiled matmul past one tile, reductions and joins of
 * many inputs, a training step without host round trips, buffers flat over many steps, device
 * loss, out of memory, a browser without WebGPU, and misuse.
 */
import { adam, BackendError, RECURRENT_ACTIVATIONS, clipByGlobalNorm, computeLoss, createEngine, initCellParams, Rng, rnnBackward, rnnForward, type Engine, type Param, type Tensor } from '@recurrent/core';
import { createReferenceBackend, testRandom, workPerFusedOp } from '@recurrent/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebgpuBackend, type WebgpuBackend, WebgpuDeviceLostError, WebgpuOutOfMemoryError } from '../src/index.js';

let backend: WebgpuBackend;
let e: Engine;
const ref = createEngine(createReferenceBackend());

beforeAll(async () => {
  backend = await createWebgpuBackend();
  e = createEngine(backend);
});
afterAll(() => backend.destroy());

const rand = testRandom(11);
const values = (n: number) => Array.from({ length: n }, () => rand(-1, 1));

/** The same computation on the webgpu engine and the float64 reference. */
async function sameOnBoth(inputs: { shape: number[]; data?: number[] }[], fn: (en: Engine, xs: Tensor[]) => Tensor, on: Engine = e) {
  const data = inputs.map((i) => i.data ?? values(i.shape.reduce((a, b) => a * b, 1)));
  const run = async (en: Engine) => {
    const out = en.scope(() => fn(en, inputs.map((i, k) => en.tensor(data[k], i.shape))));
    try {
      return Float64Array.from(await out.data());
    } finally {
      out.dispose();
    }
  };
  return { got: await run(on), want: await run(ref) };
}

/** max over elements of |got - want| beyond 1e-5 relative, at most `atol`. */
function expectClose(r: { got: Float64Array; want: Float64Array }, atol = 1e-5): void {
  expect(r.got.length).toBe(r.want.length);
  let worst = 0;
  for (let i = 0; i < r.got.length; i++) worst = Math.max(worst, Math.abs(r.got[i] - r.want[i]) - 1e-5 * Math.abs(r.want[i]));
  expect(worst).toBeLessThanOrEqual(atol);
}

describe('runs on WebGPU, not a fallback', () => {
  it('has a GPUDevice and every kernel call is a compute dispatch', async () => {
    expect(backend.name).toBe('webgpu');
    expect(backend.device).toBeInstanceOf(GPUDevice);
    const a = e.tensor(values(6), [2, 3]);
    const b = e.tensor(values(12), [3, 4]);
    backend.resetStats();
    const c = e.matmul(a, b);
    expect(backend.stats().dispatches).toBe(1);
    expect((await c.data()).length).toBe(8);
    for (const t of [a, b, c]) t.dispose();
  });

  it.each(RECURRENT_ACTIVATIONS)('each fused op is one dispatch, fewer than its primitive fallback (gates: %s)', (recurrentActivation) => {
    const B = 4;
    const H = 6;
    const count = (fused: boolean) =>
      workPerFusedOp(e, { batch: B, units: H, values, recurrentActivation, fused, reset: () => backend.resetStats(), read: () => backend.stats().dispatches });
    const fused = count(true);
    for (const n of Object.values(fused)) expect(n).toBe(1);
    expect(Object.keys(fused)).toHaveLength(Object.keys(backend.fused).length);
    const fallback = count(false);
    for (const op of Object.keys(fused)) expect(fallback[op], op).toBeGreaterThan(1);
  });
});

describe('recurrent activations', () => {
  it('a recurrentActivation core does not define is declined (core then reports it), never computed with another function', () => {
    const x = e.fill([2, 12], 0.1);
    const c = e.fill([2, 3], 0);
    const kernel = backend.fused.lstmCell!;
    const info = (t: Tensor) => ({ dataId: t.dataIdFor('test'), shape: t.shape });
    const before = backend.memory().buffers;
    expect(kernel([info(x), info(x), info(c)], { recurrentActivation: 'hardSigmoid' as never }, { h: [2, 3], c: [2, 3], gates: [2, 12] })).toBeNull();
    expect(backend.memory().buffers).toBe(before);
    for (const t of [x, c]) t.dispose();
  });
});

describe('kernels beyond the conformance shapes', () => {
  it.each(['workgroup', 'registers'] as const)('%s matmul: several tiles, ragged edges, every transpose, with and without bias, against a float64 product', async (kind) => {
    const mine = await createWebgpuBackend({ matmul: kind });
    expect(mine.matmul).toBe(kind);
    const en = createEngine(mine);
    for (const [m, k, n] of [[67, 45, 33], [1, 70, 5], [33, 1, 64], [40, 100, 31], [40, 100, 32], [33, 64, 36], [4, 8, 4]])
      for (const ta of [false, true])
        for (const tb of [false, true])
          for (const bias of [false, true]) {
            const shapes = [{ shape: ta ? [k, m] : [m, k] }, { shape: tb ? [n, k] : [k, n] }, { shape: [n] }];
            const r = await sameOnBoth(shapes, (e2, [a, b, c]) => e2.matmul(a, b, { transposeA: ta, transposeB: tb, ...(bias ? { bias: c } : {}) }), en);
            // float32 accumulation over k terms
            expectClose(r, 1e-5 * Math.sqrt(k));
          }
    mine.destroy();
  });

  it('picks the matmul without workgroup memory on a CPU adapter (SwiftShader here), the tiled one on a GPU', () => {
    const info = backend.device.adapterInfo;
    const cpu = info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
    expect(backend.matmul).toBe(cpu ? 'registers' : 'workgroup');
  });

  it('sumAll, sumBatch and sumLast over many elements and rows', async () => {
    expectClose(await sameOnBoth([{ shape: [3000, 7] }], (en, [x]) => en.sumAll(x)), 1e-3);
    expectClose(await sameOnBoth([{ shape: [1601, 7] }], (en, [x]) => en.sumBatch(x)), 1e-4);
    expectClose(await sameOnBoth([{ shape: [9, 3, 5] }], (en, [x]) => en.sumBatch(x)));
    expectClose(await sameOnBoth([{ shape: [5, 900] }], (en, [x]) => en.sumLast(x)), 1e-4);
  });

  it('stackTime of 40 steps (8 per dispatch) and concatCols of runs of equal and of odd widths', async () => {
    const dispatches = async (parts: number[][], fn: (en: Engine, xs: Tensor[]) => Tensor) => {
      backend.resetStats();
      expectClose(await sameOnBoth(parts.map((shape) => ({ shape })), fn), 0);
      return backend.stats().dispatches;
    };
    const n = backend.device.limits.maxStorageBuffersPerShaderStage >= 9 ? 8 : backend.device.limits.maxStorageBuffersPerShaderStage - 1;
    expect(await dispatches(Array.from({ length: 40 }, () => [3, 5]), (en, xs) => en.stackTime(xs))).toBe(Math.ceil(40 / n));
    expect(await dispatches(Array.from({ length: 20 }, (_, i) => [3, 1 + (i % 3)]), (en, xs) => en.concatCols(xs))).toBe(20);
    expect(await dispatches([[4, 2], [4, 2], [4, 2], [4, 3], [4, 3], [4, 1]], (en, xs) => en.concatCols(xs))).toBe(3);
  });

  it('an element-wise op over more than 65535 workgroups (a 2-D dispatch grid)', async () => {
    expectClose(await sameOnBoth([{ shape: [4_200_000] }], (en, [x]) => en.exp(x)));
  });

  it('scatterAddRows with repeated indices is the transpose of gatherRows', async () => {
    const idx = [2, 0, 2, 1, 2];
    expectClose(await sameOnBoth([{ shape: [5, 3] }, { shape: [5], data: idx }], (en, [v, i]) => en.scatterAddRows(v, i, 4)));
    expectClose(await sameOnBoth([{ shape: [4, 3] }, { shape: [5], data: idx }], (en, [t, i]) => en.gatherRows(t, i)), 0);
  });
});

describe('a training step on the device', () => {
  const B = 4;
  const T = 5;
  const D = 3;
  const H = 6;
  const cell = { kind: 'lstm', inputSize: D, units: H } as const;

  function setup(en: Engine) {
    const rng = new Rng(3);
    const cp = initCellParams(en, cell, rng);
    const params: Param[] = [
      { name: 'Wx', value: cp.Wx },
      { name: 'Wh', value: cp.Wh },
      { name: 'bx', value: cp.bx! },
      { name: 'W', value: en.tensor(Array.from({ length: H }, () => rng.normal() * 0.3), [H, 1]) },
      { name: 'b', value: en.tensor([0], [1]) },
    ];
    const x = en.tensor(Array.from({ length: B * T * D }, () => rng.normal()), [B, T, D]);
    const y = en.tensor([1, 0, 0, 1], [B, 1]);
    return { params, x, y, opt: adam({ learningRate: 0.01 }) };
  }

  /** Forward, BCE loss, BPTT, clipping, Adam; returns the loss tensor (not read). */
  function step(en: Engine, s: ReturnType<typeof setup>): Tensor {
    const { grads, value } = en.scope(() => {
      const [Wx, Wh, bx, W, b] = s.params.map((p) => p.value);
      const f = rnnForward(en, cell, { Wx, Wh, bx }, s.x, { returnSequences: false });
      const logit = en.matmul(f.state.h, W, { bias: b });
      const { value, grad } = computeLoss(en, { name: 'binaryCrossentropy', fromLogits: true }, logit, s.y);
      const dW = en.matmul(f.state.h, grad, { transposeA: true });
      const db = en.sumBatch(grad);
      const dh = en.matmul(grad, W, { transposeB: true });
      const r = rnnBackward(en, f.tape!, { dState: { h: dh }, inputGrad: false });
      return { grads: clipByGlobalNorm(en, [r.grads.Wx, r.grads.Wh, r.grads.bx!, dW, db], 1).clipped, value };
    });
    s.opt.step(s.params, grads);
    for (const g of grads) g.dispose();
    return value;
  }

  it('records a whole training step without waiting for the GPU: submits only when the parameter ring fills', () => {
    const s = setup(e);
    backend.resetStats();
    const loss = step(e, s);
    const { dispatches, submits } = backend.stats();
    // The fused LSTM step: one dispatch per time step forward and one backward, plus matmuls.
    expect(dispatches).toBeGreaterThan(2 * T);
    expect(submits).toBeLessThanOrEqual(Math.floor(dispatches / 128));
    loss.dispose();
    for (const p of s.params) p.value.dispose();
    for (const t of [s.x, s.y]) t.dispose();
    s.opt.dispose();
  });

  it('100 training steps: losses match the float64 reference, and buffers, pooled buffers and GPU bytes stay flat', async () => {
    const runOn = async (en: Engine, watch?: WebgpuBackend) => {
      const s = setup(en);
      const losses: number[] = [];
      const snapshots: string[] = [];
      for (let i = 0; i < 100; i++) {
        const loss = step(en, s);
        losses.push((await loss.data())[0]);
        loss.dispose();
        if (watch && i >= 2) snapshots.push(JSON.stringify(watch.memory()));
      }
      for (const p of s.params) p.value.dispose();
      for (const t of [s.x, s.y]) t.dispose();
      s.opt.dispose();
      return { losses, snapshots };
    };
    const got = await runOn(e, backend);
    const want = await runOn(ref);
    for (let i = 0; i < 100; i++) expect(Math.abs(got.losses[i] - want.losses[i])).toBeLessThan(1e-4 + 1e-3 * Math.abs(want.losses[i]));
    expect(new Set(got.snapshots).size).toBe(1);
  });
});

describe('failures are typed errors', () => {
  it('readSync / dataSync() says to use await data()', () => {
    const x = e.tensor([1, 2], [2]);
    expect(() => x.dataSync()).toThrow(BackendError);
    expect(() => x.dataSync()).toThrow(/await tensor.data\(\)/);
    x.dispose();
  });

  it('write with the wrong number of values names the shape', () => {
    expect(() => backend.write(new Float32Array(5), [2, 3])).toThrow(/write got 5 values for shape \[2, 3\]/);
  });

  it('a tensor past the device buffer limit is a WebgpuOutOfMemoryError, before anything is allocated', () => {
    const before = backend.memory().buffers;
    const limit = backend.device.limits.maxBufferSize;
    const err = (() => {
      try {
        e.fill([Math.ceil(limit / 4) + 1024], 0);
      } catch (caught) {
        return caught;
      }
    })();
    expect(err).toBeInstanceOf(WebgpuOutOfMemoryError);
    expect((err as BackendError).code).toBe('E_BACKEND');
    expect((err as Error).message).toMatch(/out of GPU memory in fill .*smaller batch/);
    expect(backend.memory().buffers).toBe(before);
  });

  it('a lost device is a WebgpuDeviceLostError on every later call, not NaN or zeros', async () => {
    const mine = await createWebgpuBackend();
    const en = createEngine(mine);
    const x = en.tensor([1, 2, 3, 4], [2, 2]);
    mine.device.destroy();
    await mine.device.lost;
    expect(() => en.exp(x)).toThrow(WebgpuDeviceLostError);
    expect(() => en.exp(x)).toThrow(/device was lost \(reason 'destroyed'.*detected in exp\).*resume training from your last checkpoint/);
    await expect(x.data()).rejects.toThrow(WebgpuDeviceLostError);
    expect(() => en.tensor([1], [1])).toThrow(WebgpuDeviceLostError);
    mine.destroy();
  });

  it('calls after destroy() throw a BackendError', async () => {
    const mine = await createWebgpuBackend();
    const en = createEngine(mine);
    mine.destroy();
    expect(() => en.tensor([1], [1])).toThrow(/called after destroy\(\)/);
  });

  it('a page without WebGPU gets a BackendError from the factory that says what to use instead', async () => {
    Object.defineProperty(navigator, 'gpu', { get: () => undefined, configurable: true });
    try {
      await expect(createWebgpuBackend()).rejects.toThrow(/WebGPU is not available \(navigator.gpu is missing.*use the 'webgl' or 'cpu' backend/);
      await expect(createWebgpuBackend()).rejects.toBeInstanceOf(BackendError);
    } finally {
      delete (navigator as { gpu?: unknown }).gpu;
    }
    expect(navigator.gpu).toBeDefined();
  });
});
