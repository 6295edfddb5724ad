/**
 * Matmul throughput of the cpu backend's two kernel sets (WebAssembly SIMD, the default, and
 * plain TypeScript, `simd: false`) against the reference backend's naive triple loop,
 * on the shapes of an LSTM training step (batch 32, input+hidden 160 or hidden 128, 4H = 512):
 * the forward x@W, the input gradient dPre@W^T, the weight gradient x^T@dPre, and a^T@b^T.
 * All go through the backends' `kernels.matmul`, output allocation included.
 *
 *   node --conditions=@recurrent/source --import tsx bench/matmul.ts
 */
import type { Backend, Shape } from '@recurrent/core';
import { createReferenceBackend, testRandom } from '@recurrent/core/testing';
import { createCpuBackend } from '../src/index.js';

interface Case {
  label: string;
  a: Shape;
  b: Shape;
  transposeA: boolean;
  transposeB: boolean;
  bias: boolean;
}

const cases: Case[] = [];
for (const k of [160, 128]) {
  const nn = { transposeA: false, transposeB: false };
  cases.push({ label: `[32x${k}] @ [${k}x512]`, a: [32, k], b: [k, 512], ...nn, bias: false });
  cases.push({ label: `[32x${k}] @ [${k}x512] + bias`, a: [32, k], b: [k, 512], ...nn, bias: true });
  cases.push({ label: `[32x512] @ [${k}x512]^T`, a: [32, 512], b: [k, 512], transposeA: false, transposeB: true, bias: false });
  cases.push({ label: `[32x${k}]^T @ [32x512]`, a: [32, k], b: [32, 512], transposeA: true, transposeB: false, bias: false });
  cases.push({ label: `[${k}x32]^T @ [512x${k}]^T`, a: [k, 32], b: [512, k], transposeA: true, transposeB: true, bias: false });
}

/** n values in [-0.5, 0.5), seeded (core's test generator). */
const random = (n: number, seed: number): Float32Array => {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => r(-0.5, 0.5));
};

/** Uploads the operands of `c` to `backend` and returns one timed matmul run plus its flop count. */
function prepare(backend: Backend, c: Case) {
  const size = (s: Shape) => s[0] * s[1];
  const [m, k] = c.transposeA ? [c.a[1], c.a[0]] : [c.a[0], c.a[1]];
  const n = c.transposeB ? c.b[0] : c.b[1];
  const a = { dataId: backend.write(random(size(c.a), 1), c.a), shape: c.a };
  const b = { dataId: backend.write(random(size(c.b), 2), c.b), shape: c.b };
  const bias = c.bias ? { dataId: backend.write(random(n, 3), [n]), shape: [n] } : undefined;
  const inputs: [typeof a, typeof b, typeof a?] = bias ? [a, b, bias] : [a, b];
  const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
  return {
    flops: 2 * m * n * k,
    once: () => backend.dispose(backend.kernels.matmul(inputs, attrs, [m, n])),
    free: () => inputs.forEach((t) => t && backend.dispose(t.dataId)),
  };
}

/** GFLOP/s of one round of at least `ms` milliseconds. */
function round(run: { flops: number; once: () => void }, ms: number): number {
  let reps = 0;
  const t0 = performance.now();
  let dt = 0;
  do {
    run.once();
    reps++;
    dt = performance.now() - t0;
  } while (dt < ms);
  return (run.flops * reps) / (dt * 1e6);
}

const ROUNDS = 7;
const backends: [string, Backend][] = [
  ['wasm SIMD', createCpuBackend()],
  ['TypeScript', createCpuBackend({ simd: false })],
  ['reference', createReferenceBackend()],
];
console.log(`node ${process.version}, ${process.arch}; GFLOP/s, best of ${ROUNDS} interleaved rounds`);
console.log(`${'case'.padEnd(30)} ${backends.map(([n]) => n.padStart(11)).join(' ')}`);
for (const c of cases) {
  const runs = backends.map(([, b]) => prepare(b, c));
  for (let i = 0; i < 20; i++) for (const r of runs) r.once();
  const best = runs.map(() => 0);
  for (let i = 0; i < ROUNDS; i++) runs.forEach((r, k) => (best[k] = Math.max(best[k], round(r, k === 2 ? 50 : 100))));
  for (const r of runs) r.free();
  console.log(`${c.label.padEnd(30)} ${best.map((g) => g.toFixed(2).padStart(11)).join(' ')}`);
}
