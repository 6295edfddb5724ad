/**
 * Threads in one training step through `@recurrent/models`: wall and CPU time per step, the
 * thread pool's jobs (threadStats) and, from Linux's /proc, the CPU time of the main thread and
 * of the others (load from other processes does not distort CPU time).
 *
 *   node --conditions=@recurrent/source --import tsx src/thread-profile.ts W2 2 40   # workload, threads, steps
 */
import { threadStats } from '@recurrent/backend-cpu';
import { cpuBetween, threadCpu } from './thread-cpu.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';
const [id = 'W2', thr = '2', stepsArg = '10'] = process.argv.slice(2);
const w = WORKLOADS[id as WorkloadId];
const r = modelsRunner(w, Number(thr));
for (let i = 0; i < 3; i++) await r.step();
await new Promise((res) => setTimeout(res, 200));
for (let i = 0; i < 2; i++) await r.step();
const s0 = threadStats(r.backend) ?? { parallelJobs: 0, inlineJobs: 0, waitMs: 0, busyMs: [0] };
const cpu0 = process.cpuUsage();
const tc0 = threadCpu();
const t0 = performance.now();
const n = Number(stepsArg);
for (let i = 0; i < n; i++) await r.step();
const wall = (performance.now() - t0) / n;
const cpu = process.cpuUsage(cpu0);
const tc1 = threadCpu();
const tc = tc0 && tc1 ? cpuBetween(tc0, tc1) : { main: 0, others: 0 };
const s1 = threadStats(r.backend) ?? s0;
const d = (k: 'parallelJobs' | 'inlineJobs' | 'waitMs') => ((s1[k] as number) - (s0[k] as number)) / n;
console.log(`${id} ${thr} threads: wall ${wall.toFixed(1)} ms/step, process CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms/step; jobs/step parallel ${d('parallelJobs')} inline ${d('inlineJobs')}; caller wait ${d('waitMs').toFixed(1)} ms; busy per thread ${s1.busyMs.map((b, i) => ((b - s0.busyMs[i]) / n).toFixed(1)).join(' / ')} ms; serial rest ${(wall - d('waitMs') - (s1.busyMs[0] - s0.busyMs[0]) / n).toFixed(1)} ms; main thread CPU ${(tc.main / n).toFixed(1)} ms/step, other threads ${(tc.others / n).toFixed(1)}`);
r.destroy();
