/**
 * Where the time goes in our training step: runs one workload's training steps under the
 * V8 sampling profiler (node --cpu-prof) and prints self time per function.
 *
 *   node --conditions=@recurrent/source --import tsx src/profile.ts W2 [steps] [--js] [--threads N] [--predict-one | --generate]
 *
 * With --threads N > 1 the profile is the calling thread's: the workers' slices of the split
 * matmuls and Adam updates are not in it (the caller's wait for them shows as `run`).
 */
import { Session } from 'node:inspector/promises';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { recurrentRunner } from './libs/recurrent.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const id = (process.argv[2] ?? 'W2') as WorkloadId;
const steps = Number(process.argv[3] ?? 10);
const simd = !process.argv.includes('--js');
const threadsAt = process.argv.indexOf('--threads');
const threads = threadsAt > 0 ? Number(process.argv[threadsAt + 1]) : 1;
const models = process.argv.includes('--models') ? modelsRunner(WORKLOADS[id], threads) : undefined;
const runner = models ? { trainStep: () => models.step(), predictOne: () => undefined, generator: undefined } : await recurrentRunner(WORKLOADS[id], createCpuBackend({ simd, threads }));
const what = process.argv.includes('--predict-one') ? 'predictOne' : process.argv.includes('--generate') ? 'generate' : 'train';
const gen = what === 'generate' ? runner.generator!() : undefined;
const run = (i: number) => (what === 'train' ? runner.trainStep(i) : what === 'predictOne' ? runner.predictOne() : gen!());
for (let i = 0; i < Math.max(3, steps / 10); i++) await run(i);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const t0 = performance.now();
for (let i = 0; i < steps; i++) await run(i);
const dt = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const self = new Map<string, number>();
let total = 0;
for (const n of profile.nodes as Node[]) {
  const hits = n.hitCount ?? 0;
  total += hits;
  const file = n.callFrame.url.split('/').slice(-2).join('/');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + hits);
}
console.log(`${id} ${what}, ${simd ? 'default kernels' : 'TypeScript kernels'}: ${(dt / steps).toFixed(3)} ms per call over ${steps} calls`);
console.log('self time, % of samples:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 25))) console.log(`${((100 * v) / total).toFixed(1).padStart(6)}  ${k}`);

/** Groups: our WebAssembly kernels by name, then by source file (run from source: core vs backend). */
const GROUPS: [string, RegExp][] = [
  ['matmul kernel (wasm)', /^matmul wasm/],
  ['packing, transposes', /^(packA|packB) wasm|^rowMajorB /],
  ['cell steps (wasm)', /^(lstmCell|lstmCellGrad|gruCell|gruCellGrad) wasm/],
  ['tanh, sigmoid (wasm)', /^(tanh|sigmoid) wasm/],
  ['copies, sums, Adam (wasm)', /^(copyRows|sumBatch|adam) wasm/],
  ['calls into wasm', /^js-to-wasm/],
  ['garbage collector', /^\(garbage collector\)/],
  ['@recurrent/core (engine, bptt, losses, optimizers)', /core\/src|src\/(engine|bptt|losses|optimizers)\.ts|cells\/|internal\/(shapes|fallbacks|fused-shapes)\.ts/],
  ['backend TypeScript (kernel table, store, elementwise loops)', /backend-cpu|internal\/|wasm\/(kernels|heap)\.ts/],
];
const groups = new Map<string, number>();
for (const [k, v] of self) {
  const g = GROUPS.find(([, re]) => re.test(k))?.[0] ?? 'other';
  groups.set(g, (groups.get(g) ?? 0) + v);
}
console.log('\nby group, % of samples:');
for (const [g, v] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${((100 * v) / total).toFixed(1).padStart(6)}  ${g}`);
