/**
 * The threaded backend (`threads` > 1): work is split by output (a program per thread, or shared
 * tasks taken by whichever thread is free), so every kernel gives
 * bit-identical results for 1 and 2 threads, and so does a whole training run (seeded LSTM,
 * GRU or SimpleRNN + dense head, Adam, through core's BPTT and its whole-sequence ops); workers start at the first large kernel, stop with
 * destroy(), and never keep a Node process alive. Conformance and the kernel-by-kernel checks
 * run on 2 threads in conformance.test.ts and kernels.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adam, ConfigError, computeLoss, createEngine, GATES, rnnBackward, rnnForward, type Backend, type CellKind, type FusedName, type Param, type Tensor } from '@recurrent/core';
import { testRandom } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackendWith, relaxedSimdSupported, workersReady } from '../src/backend.js';
import { WasmHeap } from '../src/internal/wasm/heap.js';
import { createWasmKernels, SPLIT_ALL } from '../src/internal/wasm/kernels.js';

const ALL = SPLIT_ALL;
const threaded = (threads: number) => createCpuBackendWith({ threads, parallelMin: ALL, heap: { initialPages: 1, poison: true } });

/**
 * A threaded backend whose workers have all started, so its split kernels really run in
 * parallel (until then they run their slices one after the other on the calling thread).
 */
async function started(be: Backend): Promise<Backend> {
  const a = { dataId: be.write(new Float32Array(64 * 64), [64, 64]), shape: [64, 64] };
  be.dispose(be.kernels.matmul([a, a] as never, { transposeA: false, transposeB: false } as never, [64, 64] as never) as never);
  be.dispose(a.dataId);
  for (let waited = 0; !workersReady(be); waited += 10) {
    if (waited > 30_000) throw new Error('workers did not start within 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  return be;
}

/**
 * Seeded LSTM(12), GRU(12) or SimpleRNN(12) over [9, 7, 3] with a dense head and Adam; returns
 * every weight after `steps` steps, the engine's buffer counts and how often the whole-sequence
 * forward ran as the backend's kernel.
 */
function train(backend: Backend, steps: number, kind: CellKind = 'lstm', resetAfter = true): { weights: Float32Array[]; buffers: number[]; sequenceKernels: number } {
  const e = createEngine(backend);
  const rnd = testRandom(7);
  const [B, T, D, H, K] = [9, 7, 3, 12, 4]; // 9 rows: two row panels, so the forward matmuls split too
  const G = GATES[kind];
  const t = (shape: number[]) => e.tensor(Float32Array.from({ length: shape.reduce((p, q) => p * q) }, () => rnd(-0.5, 0.5)), shape);
  const params: Param[] = [
    { name: 'Wx', value: t([D, G * H]) },
    { name: 'Wh', value: t([H, G * H]) },
    { name: 'bx', value: t([G * H]) },
    ...(kind !== 'lstm' ? [{ name: 'bh', value: t([G * H]) }] : []),
    { name: 'Wd', value: t([H, K]) },
    { name: 'bd', value: t([K]) },
  ];
  e.keep(params.map((p) => p.value));
  const get = (n: string) => params.find((p) => p.name === n)!.value;
  const x = e.keep(t([B, T, D]));
  const y = e.keep(e.tensor(Float32Array.from({ length: B }, (_, i) => i % K), [B]));
  const opt = adam({ learningRate: 0.01 });
  const buffers: number[] = [];
  for (let s = 0; s < steps; s++) {
    e.scope(() => {
      const bh = kind !== 'lstm' ? get('bh') : undefined;
      const f = rnnForward(e, { kind, inputSize: D, units: H, resetAfter }, { Wx: get('Wx'), Wh: get('Wh'), bx: get('bx'), bh }, x);
      const logits = e.matmul(f.state.h, get('Wd'), { bias: get('bd') });
      const l = computeLoss(e, { name: 'sparseCategoricalCrossentropy', fromLogits: true }, logits, y);
      const r = rnnBackward(e, f.tape!, { dState: { h: e.matmul(l.grad, get('Wd'), { transposeB: true }) }, inputGrad: false });
      const grads: Record<string, Tensor | undefined> = { ...r.grads, Wd: e.matmul(f.state.h, l.grad, { transposeA: true }), bd: e.sumBatch(l.grad) };
      opt.step(params, params.map((p) => grads[p.name]!));
    });
    buffers.push(e.memory().buffers);
  }
  return { weights: params.map((p) => p.value.dataSync() as Float32Array), buffers, sequenceKernels: e.fusedCounts()[(kind === 'gru' && !resetAfter ? 'gruBeforeSequence' : `${kind}Sequence`) as FusedName]?.kernel ?? 0 };
}

describe('cpu backend threads', () => {
  it('matmul: bit-identical for 1, 2 and 3 threads (row panels, leftover rows, transposes, bias, K blocks)', async () => {
    const backends = [threaded(1), await started(threaded(2)), await started(threaded(3))];
    for (const [m, n, k] of [[8, 16, 4], [13, 37, 300], [33, 512, 64], [4, 8, 600], [130, 9, 17], [203, 40, 50], [21, 139, 600]]) // the last three: several shared tasks per thread; a B large enough to split by its columns
      for (const transposeA of [false, true])
        for (const transposeB of [false, true]) {
          const rnd = testRandom(m * 1000 + n + k);
          const a = Float32Array.from({ length: m * k }, () => rnd(-2, 2));
          const b = Float32Array.from({ length: k * n }, () => rnd(-2, 2));
          const bias = Float32Array.from({ length: n }, () => rnd(-2, 2));
          const outs = backends.map((be) => {
            const ta = { dataId: be.write(a, transposeA ? [k, m] : [m, k]), shape: transposeA ? [k, m] : [m, k] };
            const tb = { dataId: be.write(b, transposeB ? [n, k] : [k, n]), shape: transposeB ? [n, k] : [k, n] };
            const tbias = { dataId: be.write(bias, [n]), shape: [n] };
            // twice: the second call reads the cached packed panels
            be.kernels.matmul([ta, tb, tbias] as never, { transposeA, transposeB } as never, [m, n] as never);
            return be.readSync(be.kernels.matmul([ta, tb, tbias] as never, { transposeA, transposeB } as never, [m, n] as never) as never);
          });
          expect(new Uint32Array(outs[1].buffer)).toEqual(new Uint32Array(outs[0].buffer));
          expect(new Uint32Array(outs[2].buffer)).toEqual(new Uint32Array(outs[0].buffer));
        }
    for (const be of backends) be.destroy?.();
  });

  for (const [kind, resetAfter] of [['lstm', true], ['gru', true], ['gru', false], ['simpleRnn', true]] as const)
    it(`training (${kind}${resetAfter ? '' : ' reset-before'}): same seed -> bit-identical weights for 1 and 2 threads and for two runs on 2 threads (whole-sequence ops, matmuls, Adam split), buffer counts flat`, async () => {
      const one = train(threaded(1), 4, kind, resetAfter);
      const two = train(await started(threaded(2)), 4, kind, resetAfter);
      const again = train(await started(threaded(2)), 4, kind, resetAfter);
      expect(two.sequenceKernels).toBe(4);
      for (let i = 0; i < one.weights.length; i++) {
        expect(new Uint32Array(two.weights[i].buffer)).toEqual(new Uint32Array(one.weights[i].buffer));
        expect(new Uint32Array(again.weights[i].buffer)).toEqual(new Uint32Array(two.weights[i].buffer));
      }
      expect(new Set(two.buffers.slice(1)).size).toBe(1);
      expect(two.buffers).toEqual(one.buffers);
    });

  it('workers start at the first split kernel (which runs on the calling thread until they have started) and stop with dispose()', async () => {
    const heap = new WasmHeap({ shared: true });
    const k = createWasmKernels(heap, true, 2, ALL)!;
    expect(k.threads).toBe(2);
    expect(k.workers).toBe(0);
    const a = heap.alloc(16 * 16);
    heap.get(a).fill(1);
    const out = heap.alloc(16 * 16);
    k.matmul(a, a, undefined, out, 16, 16, 16, false, false);
    expect(k.workers).toBe(1);
    expect(Array.from(heap.get(out)).every((v) => v === 16)).toBe(true);
    while (!k.ready) await new Promise((r) => setTimeout(r, 10));
    heap.get(out).fill(0);
    k.matmul(a, a, undefined, out, 16, 16, 16, false, false);
    expect(Array.from(heap.get(out)).every((v) => v === 16)).toBe(true);
    k.dispose();
    expect(k.ready).toBe(false);
    expect(k.workers).toBe(0);
    expect(k.threads).toBe(1);
    heap.get(out).fill(0);
    k.matmul(a, a, undefined, out, 16, 16, 16, false, false);
    expect(Array.from(heap.get(out)).every((v) => v === 16)).toBe(true);
  });

  it('a process with a threaded backend it never destroyed exits by itself', () => {
    const child = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@recurrent/source', '--import', 'tsx', child], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('64');
    expect(r.status).toBe(0);
  });

  it('relaxed SIMD is detected (the tests run with --experimental-wasm-relaxed-simd) and the relaxed matmul splits bit-identically too', async () => {
    expect(relaxedSimdSupported()).toBe(true);
    const bes = [createCpuBackendWith({ threads: 1, relaxed: true }), await started(createCpuBackendWith({ threads: 2, relaxed: true, parallelMin: ALL }))];
    const rnd = testRandom(3);
    const a = Float32Array.from({ length: 37 * 300 }, () => rnd(-2, 2));
    const outs = bes.map((be) => {
      const t = { dataId: be.write(a, [37, 300]), shape: [37, 300] };
      return be.readSync(be.kernels.matmul([t, t] as never, { transposeA: false, transposeB: true } as never, [37, 37] as never) as never);
    });
    expect(new Uint32Array(outs[1].buffer)).toEqual(new Uint32Array(outs[0].buffer));
    for (const be of bes) be.destroy?.();
  });

  it('threads must be a whole number >= 1 (ConfigError)', () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) expect(() => createCpuBackendWith({ threads })).toThrow(ConfigError);
  });
});
