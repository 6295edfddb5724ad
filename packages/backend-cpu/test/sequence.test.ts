/**
 * The whole-sequence ops (lstmSequence, gruSequence, simpleRnnSequence and their backwards): the
 * backend's kernels (the WebAssembly programs on 1, 2 and 3 threads, and the TypeScript loops)
 * against core's fallbacks (the step loops of the step ops and matmuls), and rnnForward /
 * rnnBackward through them against the same backend without them (the step loop), including
 * the options that make bptt rebuild steps from a sequence (truncation, onStepGrad, tape
 * inspection).
 */
import { createEngine, rnnBackward, rnnForward, type Backend, type Engine, type RecurrentActivation, type Tensor } from '@recurrent/core';
import { compare, testRandom } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackendWith } from '../src/backend.js';
import { SPLIT_ALL } from '../src/internal/wasm/kernels.js';

const ATOL = 1e-5;
const RTOL = 1e-4;

function expectClose(what: string, got: Tensor, want: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const c = compare(what, got.dataSync(), want.dataSync(), ATOL, RTOL);
  expect(c.pass, `${what}: max abs ${c.maxAbs}, max rel ${c.maxRel}`).toBe(true);
}

/** The same backend without the sequence kernels: core runs the step loop (or the op's fallback). */
const withoutSequence = (be: Backend): Backend => ({
  ...be,
  fused: { ...be.fused, lstmSequence: undefined, lstmSequenceGrad: undefined, gruSequence: undefined, gruSequenceGrad: undefined, simpleRnnSequence: undefined, simpleRnnSequenceGrad: undefined, gruBeforeSequence: undefined, gruBeforeSequenceGrad: undefined },
});

const backends: [string, () => Backend][] = [
  ['wasm, 1 thread', () => createCpuBackendWith({ threads: 1, heap: { initialPages: 1, poison: true } })],
  ['wasm, 2 threads', () => createCpuBackendWith({ threads: 2, parallelMin: SPLIT_ALL, heap: { initialPages: 1, poison: true } })],
  ['wasm, 3 threads', () => createCpuBackendWith({ threads: 3, parallelMin: SPLIT_ALL, heap: { initialPages: 1, poison: true } })],
  ['TypeScript', () => createCpuBackendWith({ simd: false })],
];

const rand = (e: Engine, seed: number, shape: number[], lo = -0.8, hi = 0.8) => {
  const r = testRandom(seed);
  return e.tensor(Float32Array.from({ length: shape.reduce((p, q) => p * q) }, () => r(lo, hi)), shape);
};

describe('lstmSequence / lstmSequenceGrad kernels', () => {
  for (const [name, make] of backends)
    it(`${name}: match core's fallback (B 9, 4, 1, 8; H 12, 3; T up to 200; with and without bh and dy; sigmoid and hard sigmoid)`, () => {
      const be = make();
      const e = createEngine(be);
      for (const [B, T, H] of [[9, 5, 12], [4, 3, 3], [1, 4, 8], [8, 200, 4]]) // T 200: a program longer than a thread's argument slots (run as several jobs)
        for (const extras of [false, true])
          for (const recurrentActivation of ['sigmoid', 'hardSigmoidKeras2'] as RecurrentActivation[])
            e.scope(() => {
              const ins = [rand(e, 1, [B, T, 4 * H]), rand(e, 2, [H, 4 * H], -0.4, 0.4), rand(e, 3, [B, H]), rand(e, 4, [B, H])];
              if (extras) ins.push(rand(e, 5, [4 * H]));
              const run = (fused: boolean) => {
                e.useFused = fused;
                try {
                  const f = e.fused('lstmSequence', ins, { recurrentActivation });
                  const dy = extras ? [rand(e, 8, [B, T, H])] : [];
                  const g = e.fused('lstmSequenceGrad', [f.gates, f.cs, ins[3], ins[1], rand(e, 6, [B, H]), rand(e, 7, [B, H]), ...dy], { recurrentActivation });
                  return { ...f, ...g };
                } finally {
                  e.useFused = true;
                }
              };
              const got = run(true);
              const want = run(false);
              for (const k of Object.keys(want) as (keyof typeof want)[]) expectClose(`${name} B${B} T${T} H${H} ${recurrentActivation} ${extras ? 'bh, dy' : ''} ${k}`, got[k], want[k]);
            });
      expect(e.fusedCounts().lstmSequence?.kernel).toBeGreaterThan(0);
      be.destroy?.();
    });
});

describe('gruSequence / gruBeforeSequence / simpleRnnSequence kernels and their backwards', () => {
  for (const [name, make] of backends)
    it(`${name}: match core's fallbacks (B 9, 4, 1, 8; H 12, 3; T up to 200; with and without bh and dy; GRU reset-after and reset-before, sigmoid and hard sigmoid, SimpleRNN tanh and relu)`, () => {
      const be = make();
      const e = createEngine(be);
      for (const [B, T, H] of [[9, 5, 12], [4, 3, 3], [1, 4, 8], [8, 200, 4]])
        for (const extras of [false, true])
          for (const variant of ['sigmoid', 'hardSigmoidKeras2', 'before sigmoid', 'before hardSigmoidKeras3', 'tanh', 'relu'] as const)
            e.scope(() => {
              const gru = variant !== 'tanh' && variant !== 'relu';
              const G = gru ? 3 : 1;
              const ins = [rand(e, 1, [B, T, G * H]), rand(e, 2, [H, G * H], -0.4, 0.4), rand(e, 3, [B, H])];
              if (extras) ins.push(rand(e, 5, [G * H]));
              const dy = extras ? [rand(e, 8, [B, T, H])] : [];
              const run = (fused: boolean): Record<string, Tensor> => {
                e.useFused = fused;
                try {
                  if (variant.startsWith('before ')) {
                    const attrs = { recurrentActivation: variant.slice(7) as RecurrentActivation };
                    const f = e.fused('gruBeforeSequence', ins, attrs);
                    return { ...f, ...e.fused('gruBeforeSequenceGrad', [f.cache, f.hIn, ins[1], rand(e, 6, [B, H]), ...dy], attrs) };
                  }
                  if (gru) {
                    const attrs = { recurrentActivation: variant as RecurrentActivation };
                    const f = e.fused('gruSequence', ins, attrs);
                    return { ...f, ...e.fused('gruSequenceGrad', [f.cache, f.hIn, ins[1], rand(e, 6, [B, H]), ...dy], attrs) };
                  }
                  const attrs = { activation: variant as 'tanh' | 'relu' };
                  const f = e.fused('simpleRnnSequence', ins, attrs);
                  return { ...f, ...e.fused('simpleRnnSequenceGrad', [f.hIn, f.h, ins[1], rand(e, 6, [B, H]), ...dy], attrs) };
                } finally {
                  e.useFused = true;
                }
              };
              const got = run(true);
              const want = run(false);
              for (const k of Object.keys(want)) expectClose(`${name} B${B} T${T} H${H} ${variant} ${extras ? 'bh, dy' : ''} ${k}`, got[k], want[k]);
            });
      const counts = e.fusedCounts();
      for (const op of ['gruSequence', 'gruSequenceGrad', 'gruBeforeSequence', 'gruBeforeSequenceGrad', 'simpleRnnSequence', 'simpleRnnSequenceGrad'] as const) expect(counts[op]?.kernel, op).toBeGreaterThan(0);
      be.destroy?.();
    });
});

describe('rnnForward / rnnBackward through the sequence kernels', () => {
  for (const [kind, G, op, resetAfter] of [['lstm', 4, 'lstmSequence', true], ['gru', 3, 'gruSequence', true], ['gru', 3, 'gruBeforeSequence', false], ['simpleRnn', 1, 'simpleRnnSequence', true]] as const)
  it(`${op}: match the step loop: outputs, states, gradients, truncation, onStepGrad, tape inspection; no leaks`, () => {
    const be = createCpuBackendWith({ threads: 2, parallelMin: SPLIT_ALL });
    const engines = [createEngine(be), createEngine(withoutSequence(be))];
    const [B, T, D, H] = [9, 6, 3, 12];
    const results = engines.map((e) => {
      const before = e.memory().buffers;
      const out = e.scope(() => {
        const p = { Wx: rand(e, 11, [D, G * H], -0.5, 0.5), Wh: rand(e, 12, [H, G * H], -0.5, 0.5), bx: rand(e, 13, [G * H]), bh: rand(e, 14, [G * H]) };
        const x = rand(e, 15, [B, T, D]);
        const dy = rand(e, 16, [B, T, H]);
        const values: Tensor[] = [];
        const f = rnnForward(e, { kind, inputSize: D, units: H, resetAfter }, p, x);
        values.push(f.y!, f.state.h, ...Object.values(f.tape!.gates(2)), f.tape!.state(4).h, f.tape!.state(T - 1).h);
        if (kind === 'lstm') values.push(f.state.c!, f.tape!.state(T - 1).c!);
        const full = rnnBackward(e, f.tape!, { dy, dState: { h: f.state.h }, keepTape: true });
        values.push(full.dx, full.dState0.h, full.grads.Wx, full.grads.Wh, full.grads.bx!, full.grads.bh!);
        const seen: number[] = [];
        const cut = rnnBackward(e, f.tape!, { dy, truncate: { k1: 2, k2: 3 }, onStepGrad: (t) => seen.push(t) });
        values.push(cut.dx, cut.grads.Wx, cut.grads.Wh);
        return { values: values.map((v) => ({ shape: v.shape, data: v.dataSync() })), seen: seen.length };
      });
      return { ...out, leaked: e.memory().buffers - before };
    });
    for (const r of results) expect(r.leaked).toBe(0);
    expect(results[0].seen).toBe(results[1].seen);
    results[0].values.forEach((v, i) => {
      expect(v.shape).toEqual(results[1].values[i].shape);
      const c = compare(`value ${i}`, v.data, results[1].values[i].data, ATOL, RTOL);
      expect(c.pass, `value ${i}: max abs ${c.maxAbs}, max rel ${c.maxRel}`).toBe(true);
    });
    expect(engines[0].fusedCounts()[op]?.kernel).toBe(1);
    be.destroy?.();
  });
});
