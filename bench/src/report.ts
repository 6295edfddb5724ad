/** The results table (printed and written as Markdown) and the comparisons it shows. */
import { PEERS, type LibId, type LimitResult, type WorkloadResult } from './job.js';
import type { Stats } from './stats.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

export interface Environment {
  date: string;
  command: string;
  /** How the child processes ran our code. */
  children: string;
  cpu: string;
  nproc: number;
  node: string;
  versions: Record<string, string>;
  loadBefore: string;
  loadAfter: string;
}

export interface Report {
  env: Environment;
  limit?: LimitResult;
  results: WorkloadResult[];
  failures: { lib: LibId; workload: WorkloadId | 'limit'; error: string }[];
}

const LABEL: Record<LibId, string> = {
  recurrent: 'recurrent cpu (wasm SIMD)',
  'recurrent-js': 'recurrent cpu (TypeScript)',
  'recurrent-gpujs': 'recurrent gpujs',
  'tfjs-cpu': 'tfjs-layers, tfjs-backend-cpu',
  'tfjs-wasm': 'tfjs-layers, tfjs-backend-wasm',
  brain: 'brain.js',
};

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const range = (s: Stats) => `${ms(s.median)} (${ms(s.min)}-${ms(s.max)})`;
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const factor = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2)) + 'x';

/** ms of one training step on the whole batch: brain.js's 32 single-sequence updates. */
export const batchTrainMs = (r: WorkloadResult) => (r.unit === 'sequence' ? r.train32!.median : r.train.median);
const batchPredictMs = (r: WorkloadResult) => r.predictBatch.median;

export const limitGflops = (l?: LimitResult) => (l ? Math.max(...l.rows.map((r) => r.gflops)) : NaN);
export const gflops = (r: WorkloadResult) => r.trainFlops / (r.train.median * 1e6);

function fastestPeer(rows: WorkloadResult[], pick: (r: WorkloadResult) => number | undefined): number | undefined {
  const v = rows.filter((r) => PEERS.includes(r.lib)).map(pick).filter((x): x is number => x !== undefined);
  return v.length ? Math.min(...v) : undefined;
}

export function workloadTable(rep: Report, id: WorkloadId): string[] {
  const rows = rep.results.filter((r) => r.workload === id);
  if (!rows.length) return [];
  const limit = limitGflops(rep.limit);
  const peerTrain = fastestPeer(rows, batchTrainMs);
  const peerPredict = fastestPeer(rows, batchPredictMs);
  const peerOne = fastestPeer(rows, (r) => r.predictOne.median);
  const peerGen = fastestPeer(rows, (r) => r.generate?.median);
  const wasm = rows.find((r) => r.lib === 'tfjs-wasm');
  const vs = (peer: number | undefined, v: number | undefined) => (peer && v ? factor(peer / v) : 'n/a');
  const share = (g: number) => (Number.isFinite(limit) ? ((100 * g) / limit).toFixed(1) : 'n/a');
  const out = [
    `### ${id}: ${WORKLOADS[id].title}, batch ${WORKLOADS[id].batch}`,
    '',
    '| library | train ms/step, median (min-max) | CPU ms/step | speed vs fastest peer | speed vs tfjs-wasm | GFLOP/s | % of matmul limit | predict ms, batch | predict ms, 1 seq | peak RSS MB (over start-up) | loss first -> last |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const t = batchTrainMs(r);
    const g = gflops(r);
    const trainCell =
      r.unit === 'sequence'
        ? `${range(r.train32!)} per 32 seq; ${range(r.train)} per seq`
        : range(r.train);
    out.push(
      `| ${LABEL[r.lib]} | ${trainCell} | ${ms(r.trainCpu.median)}${r.unit === 'sequence' ? ' per seq' : ''} | ${vs(peerTrain, t)} | ${vs(wasm && batchTrainMs(wasm), t)} | ${g.toFixed(2)} | ${share(g)} | ` +
        `${ms(r.predictBatch.median)} (${vs(peerPredict, r.predictBatch.median)}) | ${ms(r.predictOne.median)} (${vs(peerOne, r.predictOne.median)}) | ` +
        `${mb(r.rssPeak)} (+${mb(r.rssPeak - r.rssBase)}) | ${r.losses.first.toFixed(4)} -> ${r.losses.last.toFixed(4)} (${r.losses.updates} updates) |`,
    );
  }
  const gens = rows.filter((r) => r.generate);
  if (gens.length) {
    out.push('', `Generation from the ${id} model, batch 1, one character per call (state carried): ms per character`, '');
    out.push('| library | ms/char, median (min-max) | speed vs fastest peer |', '|---|---|---|');
    for (const r of gens) out.push(`| ${LABEL[r.lib]} | ${range(r.generate!)} | ${vs(peerGen, r.generate!.median)} |`);
  }
  const notes = [...new Set(rows.flatMap((r) => r.notes))];
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  out.push('');
  return out;
}

export function markdown(rep: Report): string {
  const e = rep.env;
  const lines = [
    `# Benchmark run ${e.date}`,
    '',
    `Command: \`${e.command}\``,
    '',
    `Children: ${e.children}`,
    '',
    `Machine: ${e.cpu}, ${e.nproc} cores (nproc); Node ${e.node}; ` + Object.entries(e.versions).map(([k, v]) => `${k} ${v}`).join(', '),
    '',
    `Load (uptime) before: ${e.loadBefore}; after: ${e.loadAfter}`,
    '',
  ];
  if (rep.limit) {
    lines.push('## Float32 matmul limit, same run (GFLOP/s, best round)', '', '| kernel | shape | GFLOP/s |', '|---|---|---|');
    for (const r of rep.limit.rows) lines.push(`| ${r.kernel} | ${r.shape} | ${r.gflops.toFixed(2)} |`);
    lines.push('', `Limit used for "% of matmul limit": ${limitGflops(rep.limit).toFixed(2)} GFLOP/s (the best row).`, '');
  }
  lines.push('## Workloads', '');
  for (const id of Object.keys(WORKLOADS) as WorkloadId[]) lines.push(...workloadTable(rep, id));
  if (rep.failures.length) {
    lines.push('## Jobs that failed', '');
    for (const f of rep.failures) lines.push(`- ${f.lib} ${f.workload}: ${f.error}`);
    lines.push('');
  }
  return lines.join('\n');
}
