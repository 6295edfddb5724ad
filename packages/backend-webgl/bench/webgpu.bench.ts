/**
 * The WebGPU benchmark: the same models (same initial weights, same batch, Adam, the same loss)
 * trained in one headless Chromium page on our WebGPU backend, our WebGL backend and tfjs-layers
 * on @tensorflow/tfjs-backend-webgpu, their measured steps interleaved. Reports compute
 * dispatches per training step and per forward time step (WebGL: shader passes) and the median
 * ms per step, checks all give the same first loss, and writes docs/benchmarks-webgpu.md.
 *
 *   pnpm --filter @recurrent/backend-webgl bench:webgpu     (RECURRENT_GPU=1: on this machine's GPU)
 */
import { createWebgpuBackend } from '@recurrent/backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createWebglBackend } from '../src/index.js';
import { fmtRatio, fmtRatioLong, interleavedSteps, ratioOf } from './interleave.js';
import { oursTrainer, type Trainer } from './ours.js';
import { tfjsTrainer } from './tfjs-layers.js';
import { hostModel, median, WORKLOADS, type Workload } from './workloads.js';

/** W1-W4: SimpleRNN, LSTM, GRU reset-before, GRU reset-after (ours only). */
// tfjs-layers on tfjs-backend-webgpu takes 15-30 s a step on SwiftShader: fewer rounds, so fewer digits (interleave.ts).
const BENCH = WORKLOADS.slice(0, 4).map((w) => ({ ...w, warmup: 1, measured: 5 }));

interface Side {
  label: string;
  trainer: Trainer;
  /** A running count of dispatches (WebGL: shader passes). */
  count: () => number;
}

interface Result {
  ms: number[];
  median: number;
  firstLoss: number;
  perStep: number;
  forwardPerTimeStep: number;
}

/** Counts the dispatches tfjs's webgpu backend records (wraps its recordAndSubmit). */
function countTfjsDispatches(): () => number {
  const be = tf.backend() as unknown as { recordAndSubmit: (...a: unknown[]) => unknown };
  const counter = { n: 0 };
  const orig = be.recordAndSubmit.bind(be);
  be.recordAndSubmit = (...a: unknown[]) => {
    counter.n++;
    return orig(...a);
  };
  return () => counter.n;
}

/** The interleaved measured steps (interleave.ts), then one counted step and forward each. */
async function measure(w: Workload, sides: Side[]): Promise<Result[]> {
  const { firstLoss: first, ms } = await interleavedSteps(
    sides.map((s) => ({ trainer: s.trainer, measured: w.measured })),
    w.warmup,
  );
  const out: Result[] = [];
  for (const [k, s] of sides.entries()) {
    const c0 = s.count();
    await s.trainer.step();
    const perStep = s.count() - c0;
    const f0 = s.count();
    s.trainer.forwardOnly();
    out.push({ ms: ms[k], median: median(ms[k]), firstLoss: first[k], perStep, forwardPerTimeStep: (s.count() - f0) / w.steps });
  }
  return out;
}

const fmt = (n: number, d = 1) => n.toFixed(d);

it('trains the same models on our WebGPU backend, our WebGL backend and tfjs-layers (webgpu)', async () => {
  await tf.setBackend('webgpu');
  await tf.ready();
  const gpu = await createWebgpuBackend();
  const gl = await createWebglBackend();
  const tfjsCount = countTfjsDispatches();
  const adapter = (gpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const env = {
    browser: navigator.userAgent,
    'WebGPU adapter': adapter ? `${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim() : 'unknown',
    versions: `@tensorflow/tfjs ${tf.version.tfjs} (tfjs-layers ${tf.version_layers}), tfjs backend ${tf.getBackend()}`,
    date: new Date().toISOString().slice(0, 10),
  };
  const rows: { w: Workload; res: (Result | undefined)[] }[] = [];
  for (const w of BENCH) {
    const m = hostModel(w);
    const sides: Side[] = [
      { label: 'webgpu', trainer: oursTrainer(gpu, w, m), count: () => gpu.stats().dispatches },
      { label: 'webgl', trainer: oursTrainer(gl, w, m), count: () => gl.stats().passes + gl.stats().transferPasses },
    ];
    if (w.tfjs) sides.push({ label: 'tfjs', trainer: tfjsTrainer(w, m), count: tfjsCount });
    const res = await measure(w, sides);
    for (const s of sides) s.trainer.dispose();
    rows.push({ w, res: [res[0], res[1], res[2]] });
    console.log(`${w.name}: ${sides.map((s, k) => `${s.label} ${fmt(res[k].median)} ms, ${res[k].perStep} dispatches`).join('; ')}; webgl / webgpu ${fmtRatioLong(ratioOf(res[1].ms, res[0].ms))}`);
  }
  gpu.destroy();
  gl.destroy();

  const cell = (r: Result | undefined, f: (r: Result) => string) => (r ? f(r) : '-');
  const lines = [
    '# WebGPU benchmark: @recurrent/backend-webgpu vs @recurrent/backend-webgl and tfjs-layers on tfjs-backend-webgpu',
    '',
    'The same models (same initial weights, same batch, Adam, the same loss) trained in one',
    'headless Chromium page: our WebGPU backend (`createWebgpuBackend()`), our WebGL backend',
    "(`createWebglBackend()`), both through the same @recurrent/core training step, and tfjs-layers",
    '4.22 on `@tensorflow/tfjs-backend-webgpu` 4.22 (`model.trainOnBatch`). Each reads the loss back',
    'every step (which waits for the GPU). After a warm-up step the measured steps alternate between',
    'the three, so other work on the machine slows all alike; the table gives the median of each.',
    '',
    '```sh',
    'pnpm --filter @recurrent/backend-webgl bench:webgpu                   # WebGPU and WebGL on SwiftShader',
    'RECURRENT_GPU=1 pnpm --filter @recurrent/backend-webgl bench:webgpu   # on this machine\'s GPU',
    '# source: packages/backend-webgl/bench/webgpu.bench.ts (with ours.ts, tfjs-layers.ts, workloads.ts)',
    '```',
    '',
    '**Read these numbers with care.** They were measured on a 2-core machine shared with other',
    'jobs, on SwiftShader: WebGPU and WebGL are emulated on the CPU, where every dispatch costs',
    'CPU time and a real GPU runs them in parallel. The dispatch counts do not depend on the machine;',
    'the times do, and a real GPU has not been measured.',
    '',
    '## Machine',
    '',
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Results',
    '',
    '| workload | WebGPU ms/step | WebGL ms/step | tfjs-layers (webgpu) ms/step | WebGPU vs tfjs-layers | WebGPU vs WebGL |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      ({ w, res: [g, l, t] }) =>
        `| ${w.name} | ${fmt(g!.median)} | ${fmt(l!.median)} | ${cell(t, (r) => fmt(r.median))} | ${cell(t, (r) => fmtRatio(ratioOf(r.ms, g!.ms)))} | ${fmtRatio(ratioOf(l!.ms, g!.ms))} |`,
    ),
    '',
    "*vs* is the median over the interleaved rounds of the other's step time divided by ours in the",
    'same round (above 1x: the WebGPU backend is faster), printed with only the decimals at which both',
    'ends of its 95% interval round alike (bench/interleave.ts), so two runs agree to the digits',
    'printed; a range (1.4-2.1x) where even whole numbers differ (too much load from other processes). Steps and rounds, and the intervals: ' +
      rows
        .map(({ w, res: [g, l, t] }) => `${w.name.split(',')[0]}: ${w.warmup} warm-up + ${w.measured} measured steps per side, one per side per round; vs WebGL ${fmtRatioLong(ratioOf(l!.ms, g!.ms))}${t ? `, vs tfjs-layers ${fmtRatioLong(ratioOf(t.ms, g!.ms))}` : ''}`)
        .join('; ') +
      '.',
    '',
    '| workload | dispatches/step WebGPU / WebGL passes / tfjs-layers | forward per time step WebGPU / WebGL / tfjs-layers | tfjs-layers dispatches / WebGPU dispatches | first loss WebGPU / WebGL / tfjs-layers |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      ({ w, res: [g, l, t] }) =>
        `| ${w.name} | ${g!.perStep} / ${l!.perStep} / ${cell(t, (r) => `${r.perStep}`)} | ${fmt(g!.forwardPerTimeStep, 2)} / ${fmt(l!.forwardPerTimeStep, 2)} / ${cell(t, (r) => fmt(r.forwardPerTimeStep, 2))} | ` +
        `${cell(t, (r) => `${fmt(r.perStep / g!.perStep, 1)}x`)} | ${g!.firstLoss.toPrecision(6)} / ${l!.firstLoss.toPrecision(6)} / ${cell(t, (r) => r.firstLoss.toPrecision(6))} |`,
    ),
    '',
    'Dispatches: compute-shader dispatches of one training step (our WebGPU backend: `stats().dispatches`;',
    "tfjs-layers: calls of tfjs-backend-webgpu's `recordAndSubmit`, one dispatch each; small ops tfjs runs",
    "on the CPU (`WEBGPU_CPU_FORWARD`) are not dispatches). WebGL: shader passes (`stats().passes` plus",
    'transfer passes). *Forward per time step*: the dispatches of the recurrent layer forward alone,',
    'divided by the sequence length.',
    '',
    'Step times (ms), WebGPU | WebGL | tfjs-layers:',
    '',
    ...rows.map(({ w, res: [g, l, t] }) => `- ${w.name}: ${g!.ms.map((v) => fmt(v)).join(', ')} | ${l!.ms.map((v) => fmt(v)).join(', ')} | ${cell(t, (r) => r.ms.map((v) => fmt(v)).join(', '))}`),
    '',
  ];
  await commands.writeFile('../../docs/benchmarks-webgpu.md', lines.join('\n'));
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 + 1e-3 * Math.abs(b);
  for (const { w, res: [g, l, t] } of rows) {
    const ref = t?.firstLoss ?? l!.firstLoss;
    expect(close(g!.firstLoss, ref), `${w.name}: WebGPU ${g!.firstLoss} vs ${ref}`).toBe(true);
    expect(close(l!.firstLoss, ref), `${w.name}: WebGL ${l!.firstLoss} vs ${ref}`).toBe(true);
  }
});
