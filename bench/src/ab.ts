/**
 * Side-by-side timing of backend configurations on one workload's training step, interleaved
 * in one process (so load from other processes hits all alike): CPU ms per step, min and
 * median. Configurations are createCpuBackend options as JSON.
 *
 *   node --conditions=@recurrent/source --import tsx src/ab.ts W4 10 '{}' '{"pack":false}' '{"simd":false}'
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import type { Backend } from '@recurrent/core';
import { recurrentRunner } from './libs/recurrent.js';
import { summarize } from './stats.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const [id = 'W2', stepsArg = '10', ...optionArgs] = process.argv.slice(2);
const create = createCpuBackend as (o: object) => Backend;
const configs = (optionArgs.length ? optionArgs : ['{}', '{"simd":false}']).map((o) => JSON.parse(o) as object);
const runners = await Promise.all(configs.map((o) => recurrentRunner(WORKLOADS[id as WorkloadId], create(o))));
for (const r of runners) for (let i = 0; i < 3; i++) r.trainStep(i);
const cpu: number[][] = configs.map(() => []);
for (let s = 0; s < Number(stepsArg); s++)
  runners.forEach((r, k) => {
    const c0 = process.cpuUsage();
    r.trainStep(s);
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / 1000);
  });
configs.forEach((o, k) => {
  const st = summarize(cpu[k]);
  console.log(`${id} ${JSON.stringify(o).padEnd(18)} CPU ms/step: min ${st.min.toFixed(1)}, median ${st.median.toFixed(1)}`);
});
