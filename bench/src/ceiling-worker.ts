/** A worker of bench:ceiling (src/ceiling.ts): runs each job it is sent and answers with its milliseconds. */
import { parentPort } from 'node:worker_threads';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { computeModule, type Job } from './ceiling-job.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { WORKLOADS } from './workloads.js';

const run = (new WebAssembly.Instance(new WebAssembly.Module(computeModule())).exports as { run(iters: number): number }).run;
const backend = createCpuBackend({ threads: 1 });
let operands: { a: number; b: number; key: string } | undefined;
let sink = 0;
/** One model per workload and batch, kept across jobs (warm: compiled, packed, JIT-optimised). */
const trainers = new Map<string, ReturnType<typeof modelsRunner>>();

parentPort?.on('message', async (job: Job) => {
  const t0 = performance.now();
  if (job.kind === 'compute') sink += run(job.iters);
  else if (job.kind === 'train') {
    const key = `${job.workload} ${job.batch}`;
    let r = trainers.get(key);
    if (!r) trainers.set(key, (r = modelsRunner({ ...WORKLOADS[job.workload], batch: job.batch }, 1)));
    for (let s = 0; s < job.steps; s++) await r.step();
  } else {
    const { m, k, n } = job;
    const key = `${m} ${k} ${n}`;
    if (operands?.key !== key) {
      operands = { a: backend.write(new Float32Array(m * k).map((_, i) => Math.sin(i)), [m, k]), b: backend.write(new Float32Array(k * n).map((_, i) => Math.cos(i)), [k, n]), key };
    }
    for (let c = 0; c < job.calls; c++)
      backend.dispose(backend.kernels.matmul([{ dataId: operands.a, shape: [m, k] }, { dataId: operands.b, shape: [k, n] }], { transposeA: false, transposeB: false }, [m, n]));
  }
  const ms = performance.now() - t0 + (sink === Number.POSITIVE_INFINITY ? 1 : 0);
  // A full collection before answering, outside the time (bench:ceiling runs with --expose-gc):
  // without it a W4 worker ran 30% slower than the same model on the main thread (its old
  // generation marked during the timed steps), and its garbage was swept on the other core
  // during the next measurement.
  (globalThis as { gc?: () => void }).gc?.();
  parentPort?.postMessage(ms);
});
