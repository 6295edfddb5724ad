/** A worker of bench:ceiling (src/ceiling.ts): runs each job it is sent and answers with its milliseconds. */
import { parentPort } from 'node:worker_threads';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { computeModule, type Job } from './ceiling-job.js';

const run = (new WebAssembly.Instance(new WebAssembly.Module(computeModule())).exports as { run(iters: number): number }).run;
const backend = createCpuBackend({ threads: 1 });
let operands: { a: number; b: number; key: string } | undefined;
let sink = 0;

parentPort?.on('message', (job: Job) => {
  const t0 = performance.now();
  if (job.kind === 'compute') sink += run(job.iters);
  else {
    const { m, k, n } = job;
    const key = `${m} ${k} ${n}`;
    if (operands?.key !== key) {
      operands = { a: backend.write(new Float32Array(m * k).map((_, i) => Math.sin(i)), [m, k]), b: backend.write(new Float32Array(k * n).map((_, i) => Math.cos(i)), [k, n]), key };
    }
    for (let c = 0; c < job.calls; c++)
      backend.dispose(backend.kernels.matmul([{ dataId: operands.a, shape: [m, k] }, { dataId: operands.b, shape: [k, n] }], { transposeA: false, transposeB: false }, [m, n]));
  }
  parentPort?.postMessage(performance.now() - t0 + (sink === Number.POSITIVE_INFINITY ? 1 : 0));
});
