/**
 * The functional API on every browser backend (WebGL, WebGPU, gpu.js on WebGL2), beside the cpu
 * backend in the same page: a teacher-forced encoder-decoder with state passing (encoder
 * [h, c] -> decoder initialState) and Luong attention (dot, softmax over the source axis,
 * concatenate) built with the same seed predicts the same numbers, trains the same loss curve
 * over 4 steps, loads back from IndexedDB on the same backend, and keeps its tensor and buffer
 * counts flat. The cpu backend itself is held to PyTorch by the conformance suite and by
 * attention.test.ts (Keras's formulas in PyTorch); this test asserts that the graph, state
 * passing and multi-input layers give the same answer whichever backend runs them.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createGpujsBackend } from '@recurrent/backend-gpujs';
import { createWebglBackend } from '@recurrent/backend-webgl';
import { createWebgpuBackend } from '@recurrent/backend-webgpu';
import type { Backend } from '@recurrent/core';
import { testRandom } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { type Functional, type HostTensor, input, layers, loadModel, model, type SymbolicTensor } from '../../src/index.js';

const r = testRandom(11);
const [N, S, T, D, H, K] = [6, 5, 4, 3, 8, 4];
const data = (n: number, t: number, d: number) => ({ data: Float64Array.from({ length: n * t * d }, () => r(-1, 1)), shape: [n, t, d] });
const x = [data(N, S, D), data(N, T, D)];
const y = { data: Float64Array.from({ length: N * T }, (_, i) => (i * 7) % K), shape: [N, T] };
const one = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor;

function build(backend: Backend, cell: 'lstm' | 'gru'): Functional {
  const encIn = input({ shape: [S, D], name: 'source' });
  const decIn = input({ shape: [T, D], name: 'target_in' });
  const [enc, ...state] = layers[cell]({ units: H, returnSequences: true, returnState: true, name: 'encoder' }).apply(encIn) as SymbolicTensor[];
  const dec = one(layers[cell]({ units: H, returnSequences: true, name: 'decoder' }).apply(decIn, { initialState: state }));
  const scores = one(layers.activation({ activation: 'softmax' }).apply(one(layers.dot({ axes: 2 }).apply([dec, enc]))));
  const context = one(layers.dot({ axes: [2, 1] }).apply([scores, enc]));
  const out = one(layers.dense({ units: K, activation: 'softmax' }).apply(one(layers.concatenate().apply([context, dec]))));
  const m = model({ inputs: [encIn, decIn], outputs: out, backend, seed: 21 });
  m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
  return m;
}

/** Float32 on two backends: 1e-5 absolute + 1e-4 relative (forward), 1e-4 + 1e-3 relative after training steps. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = abs + rel * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) expect.fail(`${what}[${i}]: ${got[i]} vs cpu ${want[i]} (tolerance ${tol})`);
  }
}

const BACKENDS: [string, () => Promise<Backend>][] = [
  ['webgl', () => createWebglBackend()],
  ['webgpu', () => createWebgpuBackend()],
  ['gpujs', async () => createGpujsBackend({ mode: 'webgl2' })],
];

describe.each(BACKENDS)('functional encoder-decoder with attention on %s', (name, create) => {
  it.each(['lstm', 'gru'] as const)('%s: predict and 4 training steps equal the cpu backend; IndexedDB round trip; flat counts', async (cell) => {
    const cpu = build(createCpuBackend(), cell);
    const other = build(await create(), cell);
    const pc = (await cpu.predict(x)) as HostTensor;
    close(((await other.predict(x)) as HostTensor).data, pc.data, 1e-5, 1e-4, `${name} predict`);

    const lc: number[] = [];
    const lo: number[] = [];
    const counts: number[][] = [];
    for (let step = 0; step < 4; step++) {
      lc.push((await cpu.trainOnBatch(x, y)).loss);
      lo.push((await other.trainOnBatch(x, y)).loss);
      const mem = other.engine.memory();
      counts.push([mem.tensors, mem.buffers]);
    }
    close(lo, lc, 1e-5, 1e-4, `${name} loss per step`);
    expect(lo[3]).toBeLessThan(lo[0]);
    expect(counts[3]).toEqual(counts[1]);
    const trained = (await other.predict(x)) as HostTensor;
    close(trained.data, ((await cpu.predict(x)) as HostTensor).data, 1e-4, 1e-3, `${name} predict after training`);

    await other.save(`indexeddb://functional-${name}-${cell}`);
    const back = await loadModel<Functional>(`indexeddb://functional-${name}-${cell}`, { backend: await create() });
    expect(Array.from(((await back.predict(x)) as HostTensor).data)).toEqual(Array.from(trained.data));
    for (const m of [cpu, other, back]) m.dispose();
  });
});
