/**
 * One benchmark job in its own process, so each library's peak RSS is its own: the main
 * process passes a Job as JSON in argv and reads one `RESULT {json}` line from stdout.
 */
import type { Job, JobResult, WorkloadResult } from './job.js';
import { measureLimit } from './limit.js';
import type { Runner } from './libs/runner.js';
import { measure, summarize, type MeasureOptions, type Stats } from './stats.js';
import { WORKLOADS, flopShape, trainFlops, type FlopShape, type Workload } from './workloads.js';

async function makeRunner(job: Extract<Job, { kind: 'workload' }>, w: Workload): Promise<Runner> {
  switch (job.lib) {
    case 'recurrent':
    case 'recurrent-js':
      return (await import('./libs/recurrent.js')).recurrentCpu(w, job.lib === 'recurrent');
    case 'recurrent-gpujs':
      return (await import('./libs/recurrent-gpujs.js')).recurrentGpujs(w);
    case 'tfjs-cpu':
    case 'tfjs-wasm':
      return (await import('./libs/tfjs.js')).tfjsRunner(w, job.lib === 'tfjs-cpu' ? 'cpu' : 'wasm');
    case 'brain':
      return (await import('./libs/brain.js')).brainRunner(w);
  }
}

/** What brain.js computes per sequence (see libs/brain.ts). */
function brainShape(w: Workload): FlopShape {
  const s = flopShape(w, 1);
  if (w.oneHot) return { ...s, steps: w.steps + 1, outputs: w.steps + 1, classes: w.classes + 1 };
  return { ...s, steps: w.steps - 1, outputs: w.steps - 1, classes: w.features };
}

async function runWorkload(job: Extract<Job, { kind: 'workload' }>): Promise<WorkloadResult> {
  const w = WORKLOADS[job.workload];
  const runner = await makeRunner(job, w);
  const rssBase = process.memoryUsage().rss;
  const q = job.quick;
  const perSeq = runner.unit === 'sequence';
  const trainOpts: MeasureOptions = q
    ? { warmup: 1, minRuns: 2, maxRuns: 3, budgetMs: 1000 }
    : { warmup: perSeq ? 4 : 2, warmupMs: 1000, minRuns: perSeq ? 8 : 5, maxRuns: perSeq ? 64 : 200, budgetMs: 15000 };
  const losses: number[] = [];
  let i = 0;
  const step = async () => {
    losses.push(await runner.trainStep(i++));
  };
  const trainT = await measure(step, trainOpts);
  const train = summarize(trainT.wall);
  const trainCpu = summarize(trainT.cpu);
  let train32: Stats | undefined;
  if (perSeq) {
    const pass = async () => {
      for (let k = 0; k < w.batch; k++) await step();
    };
    // brain.js W4 takes about 20 s per pass of 32 sequences: one pass.
    const big = w.oneHot ? { warmup: 0, minRuns: 1, maxRuns: 1, budgetMs: 0 } : { warmup: 0, minRuns: 3, maxRuns: 5, budgetMs: 20000 };
    train32 = summarize((await measure(pass, q ? { warmup: 0, minRuns: 1, maxRuns: 1, budgetMs: 0 } : big)).wall);
  }
  const predOpts: MeasureOptions = q
    ? { warmup: 1, minRuns: 2, maxRuns: 3, budgetMs: 500 }
    : { warmup: 10, warmupMs: 500, minRuns: 5, maxRuns: 500, budgetMs: 3000 };
  const predictBatch = summarize((await measure(() => runner.predictBatch(), predOpts)).wall);
  const predictOne = summarize((await measure(() => runner.predictOne(), predOpts)).wall);
  let generate: Stats | undefined;
  if (runner.generator) {
    const next = runner.generator();
    // A fixed number of characters (the budget only bounds a very slow library).
    const opts = q ? { warmup: 5, minRuns: 20, maxRuns: 20, budgetMs: 20000 } : { warmup: 20, minRuns: 200, maxRuns: 200, budgetMs: 60000 };
    generate = summarize((await measure(next, opts)).wall);
  }
  return {
    kind: 'workload',
    lib: job.lib,
    workload: w.id,
    unit: runner.unit,
    train,
    trainCpu,
    train32,
    trainFlops: trainFlops(perSeq ? brainShape(w) : flopShape(w)),
    predictBatch,
    predictOne,
    generate,
    losses: { first: losses[0], last: losses[losses.length - 1], updates: losses.length },
    rssBase,
    rssPeak: process.resourceUsage().maxRSS * 1024,
    notes: runner.notes,
  };
}

const job = JSON.parse(process.argv[2]) as Job;
const result: JobResult = job.kind === 'limit' ? await measureLimit(job.quick) : await runWorkload(job);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
