/**
 * `pnpm bench:ceiling`: what two cores of this machine give, so a threading speed-up can be read
 * against the hardware's own ceiling rather than against 2.0x.
 *
 * Three measurements, interleaved in rounds (each round runs every configuration once, so load
 * from other processes hits them alike), median of the per-round ratios:
 *  1. compute: a WebAssembly SIMD loop of multiply-adds on registers (8 independent f32x4
 *     chains, no memory traffic), in 1 worker vs 2 workers at once, each worker the same work.
 *     Ratio = 2 x (1-worker time) / (2-worker time): the throughput of two busy cores over one.
 *  2. matmul, independent: our matmul kernel (the CPU backend with 1 thread, [M, K] @ [K, N]) in
 *     1 worker vs 2 workers at once, each its own backend and data: no synchronisation at all,
 *     so the ratio is what shared caches, memory bandwidth and the host give this kernel.
 *  3. matmul, split: the same product on one backend with threads: 2 (rows split, one fork-join
 *     per call) vs threads: 1, on this thread: what our pool gets out of the second core.
 * Then the same three questions for a whole training step of a workload (`--workload`, default
 * W2; @recurrent/models trainOnBatch, CPU backend), each measurement about 0.2 s of steps (at least 3):
 *  4. training, 2 independent workers: each worker its own 1-thread model at the full batch, 1
 *     worker vs 2 at once. Ratio = 2 x (1-worker time) / (2-worker time): what the machine gives
 *     this workload with no synchronisation at all.
 *  5. training, half the batch each: 1 worker at the full batch vs 2 workers at once, each at
 *     half the batch. Ratio = (1-worker time) / (2-worker time): the bound of any data-parallel
 *     split of the batch (model replicas), before summing gradients or copying weights, which it
 *     leaves out. Half a batch also runs each matmul at half the rows.
 *  6. training, our threads: the same model on threads: 2 vs threads: 1, on this thread.
 * If (1) is near 2.0x and (2) is not, the gap is memory / cache; if (1) is below 2.0x, the host
 * (frequency, SMT siblings, steal) caps every threaded speed-up there. (6) is to be read against
 * (5) and (4), not against 2.0x.
 *
 *   pnpm bench:ceiling [--rounds 15] [--m 32 --k 256 --n 1024] [--workload W2]
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { summarize } from './stats.js';
import { matmulCalls, type Job } from './ceiling-job.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : d;
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench:ceiling: --${name} must be a whole number >= 1 (got ${process.argv[i + 1]}).`);
  return v;
};
const rounds = arg('rounds', 15);
const shape = { m: arg('m', 32), k: arg('k', 256), n: arg('n', 1024) };
/** Work per worker and measurement: about 0.2 s of one core each. */
const COMPUTE_ITERS = 80_000_000;
const workloadAt = process.argv.indexOf('--workload');
const workloadId = (workloadAt >= 0 ? process.argv[workloadAt + 1] : 'W2') as WorkloadId;
if (!(workloadId in WORKLOADS)) throw new Error(`bench:ceiling: --workload must be one of ${Object.keys(WORKLOADS).join(', ')} (got ${workloadId}).`);
const workload = WORKLOADS[workloadId];
if (workload.batch % 2 !== 0) throw new Error(`bench:ceiling: ${workloadId}'s batch (${workload.batch}) must be even to split in halves.`);

/** A worker that runs jobs on request and answers with its own milliseconds. */
function spawnWorker(): { run(job: Job): Promise<number>; stop(): Promise<number> } {
  // tsx's hooks do not reach a worker's entry point in Node 20: register them there first.
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./ceiling-worker.ts', import.meta.url).href)}); });`;
  // --expose-gc is a V8 flag of the whole process (the worker has gc() too), and Worker rejects it in execArgv.
  const w = new Worker(code, { eval: true, execArgv: process.execArgv.filter((a) => a !== '--expose-gc') });
  let pending: { resolve(ms: number): void; reject(e: unknown): void } | undefined;
  w.on('message', (ms: number) => pending?.resolve(ms));
  w.on('error', (e) => pending?.reject(e));
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        w.postMessage(job);
      }),
    stop: () => w.terminate(),
  };
}

/** Ms for `workers` each running `job` at the same time: the slowest worker's own time. */
async function together(workers: ReturnType<typeof spawnWorker>[], job: Job): Promise<number> {
  return Math.max(...(await Promise.all(workers.map((w) => w.run(job)))));
}

const fmt = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const before = loadavg();
  const workers = [spawnWorker(), spawnWorker()];
  const compute: Job = { kind: 'compute', iters: COMPUTE_ITERS };
  const mm: Job = { kind: 'matmul', ...shape, calls: matmulCalls(shape) };
  // Warm-up: compile, JIT, pack B.
  for (const j of [compute, mm]) {
    await together(workers, j);
    await together(workers.slice(0, 1), j);
  }
  const one = createCpuBackend({ threads: 1 });
  const two = createCpuBackend({ threads: 2 });
  const a = new Float32Array(shape.m * shape.k).map((_, i) => Math.sin(i));
  const b = new Float32Array(shape.k * shape.n).map((_, i) => Math.cos(i));
  const operands = (be: typeof one) => [be.write(a, [shape.m, shape.k]), be.write(b, [shape.k, shape.n])];
  const ops1 = operands(one);
  const ops2 = operands(two);
  const split = (be: typeof one, [ai, bi]: number[]) => {
    const t0 = performance.now();
    for (let c = 0; c < mm.calls; c++) {
      const out = be.kernels.matmul([{ dataId: ai, shape: [shape.m, shape.k] }, { dataId: bi, shape: [shape.k, shape.n] }], { transposeA: false, transposeB: false }, [shape.m, shape.n]);
      be.dispose(out);
    }
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) split(one, ops1), split(two, ops2); // workers start, B packed
  // Training: about 0.2 s of steps per measurement, from a warm 1-thread step's time.
  const ours1 = modelsRunner(workload, 1);
  const ours2 = modelsRunner(workload, 2);
  const timeSteps = async (r: typeof ours1, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await r.step();
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) await timeSteps(ours1, 1), await timeSteps(ours2, 1);
  const steps = Math.max(3, Math.round(200 / ((await timeSteps(ours1, 3)) / 3)));
  const full: Job = { kind: 'train', workload: workloadId, batch: workload.batch, steps };
  const half: Job = { ...full, batch: workload.batch / 2 };
  for (const j of [full, half]) await together(workers, { ...j, steps: 3 });
  const keys = ['compute1', 'compute2', 'mm1', 'mm2', 'split1', 'split2', 'train1', 'train2', 'half2', 'ours1', 'ours2'] as const;
  /** Milliseconds per round of each measurement; the ratios are derived from these. */
  const ms = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<(typeof keys)[number], number[]>;
  for (let r = 0; r < rounds; r++) {
    // In this order (an object literal's properties are evaluated in order). Ours first: after
    // the workers' jobs and their collections, before the next ones.
    const round: Record<(typeof keys)[number], number> = {
      ours1: await timeSteps(ours1, steps),
      ours2: await timeSteps(ours2, steps),
      compute1: await together(workers.slice(0, 1), compute),
      compute2: await together(workers, compute),
      mm1: await together(workers.slice(0, 1), mm),
      mm2: await together(workers, mm),
      split1: split(one, ops1),
      split2: split(two, ops2),
      train1: await together(workers.slice(0, 1), full),
      train2: await together(workers, full),
      half2: await together(workers, half),
    };
    for (const k of keys) ms[k].push(round[k]);
  }
  /** Per round: `work` x (1-thread time) / (2-thread time). */
  const perRound = (one: number[], two: number[], work: number) => one.map((t, i) => (work * t) / two[i]);
  const ratios = {
    compute: perRound(ms.compute1, ms.compute2, 2),
    independent: perRound(ms.mm1, ms.mm2, 2),
    split: perRound(ms.split1, ms.split2, 1),
    trainIndependent: perRound(ms.train1, ms.train2, 2),
    trainHalf: perRound(ms.train1, ms.half2, 1),
    trainOurs: perRound(ms.ours1, ms.ours2, 1),
  };
  ours1.destroy();
  ours2.destroy();
  await Promise.all(workers.map((w) => w.stop()));
  one.destroy?.();
  two.destroy?.();
  const after = loadavg();
  const flops = 2 * shape.m * shape.k * shape.n * mm.calls;
  /** `best`: the same ratio from each configuration's fastest round (the least disturbed when load comes and goes). */
  const line = (name: string, r: number[], best: number, note: string) => {
    const s = summarize(r);
    console.log(`${name.padEnd(34)} ${fmt(s.median)}x  (min ${fmt(s.min)}, max ${fmt(s.max)}; fastest rounds ${fmt(best)}x)  ${note}`);
  };
  const fastest = (one: number[], two: number[], work: number) => (work * Math.min(...one)) / Math.min(...two);
  console.log(`bench:ceiling: 2 threads vs 1, median of ${rounds} interleaved rounds (min, max over rounds; the ratio of the fastest rounds)`);
  console.log(`load average before ${before.map(fmt).join(' ')}, after ${after.map(fmt).join(' ')} (this machine has ${availableParallelism()} cores; a load above 0 before means others were running)`);
  line('compute (FMA on registers)', ratios.compute, fastest(ms.compute1, ms.compute2, 2), `${COMPUTE_ITERS / 1e6}M iterations x 8 f32x4 chains per worker, 1 worker ${fmt(summarize(ms.compute1).median)} ms`);
  line('matmul, 2 independent workers', ratios.independent, fastest(ms.mm1, ms.mm2, 2), `[${shape.m}x${shape.k}] @ [${shape.k}x${shape.n}] x ${mm.calls} per worker, 1 worker ${fmt(summarize(ms.mm1).median)} ms (${fmt(flops / summarize(ms.mm1).median / 1e6)} GFLOP/s)`);
  line('matmul, split by our pool', ratios.split, fastest(ms.split1, ms.split2, 1), `the same product on threads: 2 vs threads: 1, ${mm.calls} calls, 1 thread ${fmt(summarize(ms.split1).median)} ms`);
  const perStep = (x: number[]) => fmt(summarize(x).median / steps);
  const batch = workload.batch;
  console.log(`${workloadId} (${workload.title}, batch ${batch}) trainOnBatch, ${steps} steps per measurement:`);
  line(`${workloadId} training, 2 independent workers`, ratios.trainIndependent, fastest(ms.train1, ms.train2, 2), `each its own 1-thread model at batch ${batch}: 1 worker ${perStep(ms.train1)} ms/step, 2 workers ${perStep(ms.train2)}`);
  line(`${workloadId} training, half the batch each`, ratios.trainHalf, fastest(ms.train1, ms.half2, 1), `2 workers at batch ${batch / 2} at once ${perStep(ms.half2)} ms/step: a data-parallel split's bound (no gradient sum, no weight copy)`);
  line(`${workloadId} training, our threads`, ratios.trainOurs, fastest(ms.ours1, ms.ours2, 1), `threads: 2 vs threads: 1 on this thread: ${perStep(ms.ours2)} vs ${perStep(ms.ours1)} ms/step`);
}

await main();
