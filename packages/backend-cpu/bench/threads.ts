/**
 * Where threads pay: wall time of the SIMD matmul, the LSTM step and the Adam update with 1 thread, with 2 (or
 * argv[2]) threads as shipped (PARALLEL_MIN in src/internal/wasm/kernels.ts: smaller work
 * stays on one thread), and with every size split ("forced"), interleaved in rounds (a burst
 * of load from other processes hits all alike). Prints medians of per-round speed-ups; the
 * "forced" column below 1 is what the threshold avoids. Run it on a quiet machine (`uptime`):
 *
 *   node --conditions=@recurrent/source --import tsx bench/threads.ts 2
 */
import type { Backend, Shape } from '@recurrent/core';
import { testRandom } from '@recurrent/core/testing';
import { createCpuBackendWith } from '../src/backend.js';
import { SPLIT_ALL } from '../src/internal/wasm/kernels.js';

const threads = Number(process.argv[2] ?? 2);
const ROUNDS = 9;
const backends = [createCpuBackendWith({ threads: 1 }), createCpuBackendWith({ threads }), createCpuBackendWith({ threads, parallelMin: SPLIT_ALL })];

type Run = (be: Backend) => () => void;
const matmul =
  (m: number, n: number, k: number): Run =>
  (be) => {
    const rnd = testRandom(m * n + k);
    const a = { dataId: be.write(Float32Array.from({ length: m * k }, rnd), [m, k]), shape: [m, k] as Shape };
    const b = { dataId: be.write(Float32Array.from({ length: k * n }, rnd), [k, n]), shape: [k, n] as Shape };
    return () => be.dispose(be.kernels.matmul([a, b] as never, { transposeA: false, transposeB: false } as never, [m, n] as never) as never);
  };
const adam =
  (n: number): Run =>
  (be) => {
    const t = () => ({ dataId: be.write(new Float32Array(n).fill(0.5), [n]), shape: [n] as Shape });
    const ins = [t(), t(), t(), t()];
    const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, step: 1, decoupledDecay: 0 };
    return () => {
      const out = (be.fused.adamUpdate as unknown as (i: unknown, a: unknown) => Record<string, never>)(ins, attrs);
      for (const id of Object.values(out)) be.dispose(id);
    };
  };

const lstm =
  (batch: number, units: number): Run =>
  (be) => {
    const t = (n: number, shape: number[]) => ({ dataId: be.write(new Float32Array(n).fill(0.25), shape), shape: shape as Shape });
    const ins = [t(batch * 4 * units, [batch, 4 * units]), t(batch * 4 * units, [batch, 4 * units]), t(batch * units, [batch, units])];
    const run = be.fused.lstmCell as unknown as (i: unknown, a: unknown, o: unknown) => Record<string, never>;
    return () => {
      for (const id of Object.values(run(ins, { recurrentActivation: 'sigmoid' }, { h: [batch, units] }))) be.dispose(id);
    };
  };

const cases: [string, Run, number][] = [
  ['lstmCell 32x128 (4k, W2)', lstm(32, 128), 400],
  ['lstmCell 32x256 (8k, W4)', lstm(32, 256), 400],
  ['lstmCell 64x256 (16k)', lstm(64, 256), 200],
  ['matmul 32x512x32 (1 MFLOP)', matmul(32, 512, 32), 400],
  ['matmul 32x512x128 (4 MFLOP, W2 h@Wh)', matmul(32, 512, 128), 200],
  ['matmul 128x512x32 (4 MFLOP, W2 dWh)', matmul(128, 512, 32), 200],
  ['matmul 32x1024x256 (17 MFLOP, W4 h@Wh)', matmul(32, 1024, 256), 40],
  ['matmul 256x1024x256 (134 MFLOP)', matmul(256, 1024, 256), 5],
  ['matmul 8x512x128 (1 MFLOP)', matmul(8, 512, 128), 400],
  ['matmul 32x256x128 (2 MFLOP)', matmul(32, 256, 128), 400],
  ['matmul 64x256x128 (4 MFLOP)', matmul(64, 256, 128), 200],
  ['adam 16k', adam(16384), 400],
  ['adam 33k', adam(32768), 400],
  ['adam 66k (W2 Wh)', adam(65536), 200],
  ['adam 262k (W4 Wh)', adam(262144), 50],
];
const time = (f: () => void, reps: number) => {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
};
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
const { loadavg } = await import('node:os');
console.log(`threads 1 vs ${threads}, ${ROUNDS} interleaved rounds, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [label, make, reps] of cases) {
  const fns = backends.map(make);
  for (const f of fns) time(f, 3);
  const ratios: number[][] = [[], []];
  const ms: number[][] = [[], [], []];
  for (let r = 0; r < ROUNDS; r++) {
    const t = fns.map((f) => time(f, reps));
    t.forEach((v, i) => ms[i].push(v));
    ratios[0].push(t[0] / t[1]);
    ratios[1].push(t[0] / t[2]);
  }
  console.log(
    `${label.padEnd(40)} 1 thread ${median(ms[0]).toFixed(3)} ms; ${threads} threads ${median(ms[1]).toFixed(3)} ms, ` +
      `speed-up ${median(ratios[0]).toFixed(2)}x (forced split ${median(ratios[1]).toFixed(2)}x)`,
  );
}
for (const be of backends) be.destroy?.();
