/**
 * Threads through the path users call: `@recurrent/models` (sequential + trainOnBatch) on the
 * CPU backend with 1 thread and with N threads (default 2), built once each and trained in
 * interleaved rounds (a burst of load from other processes hits both alike). Prints per-round
 * speed-ups (1-thread wall time / N-thread wall time), their median, the load average before
 * and after, and the resident memory the extra threads added (RSS after the threaded model's
 * first step minus RSS before it was built, minus the same for the 1-thread model).
 *
 *   pnpm --filter @recurrent/bench threads [W1,W2,W4] [threads] [rounds]
 *
 * Wall time, not CPU time: threads spend more CPU to finish sooner.
 */
import { loadavg } from 'node:os';
import { modelsRunner } from './libs/recurrent-models.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const [only = 'W1,W2,W4', threadsArg = '2', roundsArg = '7'] = process.argv.slice(2);
const threads = Number(threadsArg);
const ROUNDS = Number(roundsArg);
/** Training steps per round and configuration: enough for some 0.3 s of work each. */
const STEPS: Record<WorkloadId, number> = { W1: 20, W2: 8, W3: 8, W4: 2 };


const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
console.log(`@recurrent/models trainOnBatch, CPU backend, 1 vs ${threads} threads, ${ROUNDS} interleaved rounds; load average ${load()}`);
for (const id of only.split(',') as WorkloadId[]) {
  const w = WORKLOADS[id];
  const rss0 = process.memoryUsage().rss;
  const one = modelsRunner(w, 1);
  await one.step();
  const rss1 = process.memoryUsage().rss;
  const many = modelsRunner(w, threads);
  await many.step();
  const rss2 = process.memoryUsage().rss;
  await one.step();
  await many.step();
  const ratios: number[] = [];
  const ms: number[][] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    const t: number[] = [];
    for (const m of [one, many]) {
      const t0 = performance.now();
      for (let s = 0; s < STEPS[id]; s++) await m.step();
      t.push((performance.now() - t0) / STEPS[id]);
    }
    ms[0].push(t[0]);
    ms[1].push(t[1]);
    ratios.push(t[0] / t[1]);
  }
  const extraMiB = (rss2 - rss1 - (rss1 - rss0)) / 2 ** 20 / Math.max(1, threads - 1);
  console.log(
    `${id} ${w.title}\n  ms/step: 1 thread ${median(ms[0]).toFixed(1)}, ${threads} threads ${median(ms[1]).toFixed(1)}; ` +
      `speed-up per round ${ratios.map((r) => r.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(2)}x; ` +
      `memory per extra thread ~${extraMiB.toFixed(1)} MiB RSS; load ${load()}`,
  );
  one.destroy();
  many.destroy();
}
