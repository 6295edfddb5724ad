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
 * If (1) is near 2.0x and (2) is not, the gap is memory / cache; if (1) is below 2.0x, the host
 * (frequency, SMT siblings, steal) caps every threaded speed-up there.
 *
 *   pnpm bench:ceiling [--rounds 15] [--m 32 --k 256 --n 1024]
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { summarize } from './stats.js';
import { matmulCalls, type Job } from './ceiling-job.js';

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

/** A worker that runs jobs on request and answers with its own milliseconds. */
function spawnWorker(): { run(job: Job): Promise<number>; stop(): Promise<number> } {
  // tsx's hooks do not reach a worker's entry point in Node 20: register them there first.
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./ceiling-worker.ts', import.meta.url).href)}); });`;
  const w = new Worker(code, { eval: true, execArgv: process.execArgv });
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

/** Wall ms for `workers` each running `job` at the same time. */
async function together(workers: ReturnType<typeof spawnWorker>[], job: Job): Promise<number> {
  const t0 = performance.now();
  await Promise.all(workers.map((w) => w.run(job)));
  return performance.now() - t0;
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
  const ratios = { compute: [] as number[], independent: [] as number[], split: [] as number[] };
  const ms = { compute1: [] as number[], compute2: [] as number[], mm1: [] as number[], mm2: [] as number[], split1: [] as number[], split2: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const c1 = await together(workers.slice(0, 1), compute);
    const c2 = await together(workers, compute);
    const m1 = await together(workers.slice(0, 1), mm);
    const m2 = await together(workers, mm);
    const s1 = split(one, ops1);
    const s2 = split(two, ops2);
    ratios.compute.push((2 * c1) / c2);
    ratios.independent.push((2 * m1) / m2);
    ratios.split.push(s1 / s2);
    ms.compute1.push(c1);
    ms.compute2.push(c2);
    ms.mm1.push(m1);
    ms.mm2.push(m2);
    ms.split1.push(s1);
    ms.split2.push(s2);
  }
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
}

await main();
