/**
 * The float32 matmul limit of this machine, measured in the same run: GFLOP/s of our best
 * matmul kernels (WebAssembly SIMD and plain TypeScript) and of tfjs-backend-wasm's matmul
 * (XNNPACK, WebAssembly SIMD), best of several rounds, on the recurrent matmul shapes of the
 * workloads and on square ones.
 */
import type { Backend, Shape } from '@recurrent/core';
import { testRandom } from '@recurrent/core/testing';
import type { LimitResult } from './job.js';

const SHAPES: [m: number, k: number, n: number][] = [
  [32, 128, 512],
  [32, 256, 1024],
  [256, 256, 256],
  [512, 512, 512],
];

/** n values in [-0.5, 0.5), seeded (core's test generator). */
const random = (n: number, seed: number): Float32Array => {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => r(-0.5, 0.5));
};

/** Best GFLOP/s over `rounds` rounds of at least `ms` each. */
function best(flops: number, once: () => void, rounds: number, ms: number): number {
  for (let i = 0; i < 3; i++) once();
  let top = 0;
  for (let r = 0; r < rounds; r++) {
    let reps = 0;
    const t0 = performance.now();
    let dt = 0;
    do {
      once();
      reps++;
      dt = performance.now() - t0;
    } while (dt < ms);
    top = Math.max(top, (flops * reps) / (dt * 1e6));
  }
  return top;
}

function ours(backend: Backend, m: number, k: number, n: number, rounds: number, ms: number): number {
  const aS: Shape = [m, k];
  const bS: Shape = [k, n];
  const a = { dataId: backend.write(random(m * k, 1), aS), shape: aS };
  const b = { dataId: backend.write(random(k * n, 2), bS), shape: bS };
  const attrs = { transposeA: false, transposeB: false };
  const g = best(2 * m * n * k, () => backend.dispose(backend.kernels.matmul([a, b], attrs, [m, n])), rounds, ms);
  backend.dispose(a.dataId);
  backend.dispose(b.dataId);
  return g;
}

export async function measureLimit(quick: boolean): Promise<LimitResult> {
  const rounds = quick ? 2 : 5;
  const ms = quick ? 50 : 200;
  const rows: LimitResult['rows'] = [];
  const { createCpuBackend } = await import('@recurrent/backend-cpu');
  const create = createCpuBackend as (o?: { simd?: boolean }) => Backend;
  const kernels: [string, Backend][] = [
    ['recurrent cpu (default kernels)', create()],
    ['recurrent cpu (TypeScript kernels)', create({ simd: false })],
  ];
  for (const [m, k, n] of SHAPES)
    for (const [name, backend] of kernels) rows.push({ kernel: name, shape: `${m}x${k} @ ${k}x${n}`, gflops: ours(backend, m, k, n, rounds, ms) });
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  for (const [m, k, n] of SHAPES) {
    const a = tf.tensor2d(random(m * k, 1), [m, k]);
    const b = tf.tensor2d(random(k * n, 2), [k, n]);
    const gflops = best(
      2 * m * n * k,
      () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      rounds,
      ms,
    );
    rows.push({ kernel: 'tfjs-backend-wasm matMul (XNNPACK)', shape: `${m}x${k} @ ${k}x${n}`, gflops });
    tf.dispose([a, b]);
  }
  return { kind: 'limit', rows };
}
