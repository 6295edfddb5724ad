/**
 * Training-step time of the gpu.js backend in Node (mode webasm, optionally cpu) beside our cpu
 * backend and brain.js 2.0.0-beta.24, measured side by side in one process: each round times one
 * step of every library in turn, and the table reports medians and ratios.
 *
 *   pnpm --filter @recurrent/backend-gpujs bench [--rounds N] [--only lstm,gru,rnn] [--gpujs-cpu]
 *
 * Our training step is built from @recurrent/core directly: rnnForward over the whole batch
 * [B, T, D], a dense head as a matmul, computeLoss (softmax or sigmoid cross-entropy), the head's
 * gradients, rnnBackward, and Adam; the loss is read back, so the step is finished when timed.
 *
 * brain.js trains its recurrent nets one sequence at a time (matrix-vector products and a weight
 * update per sequence) and cannot express our model exactly: its *TimeStep nets predict the next
 * input vector at every step (output size = input size) rather than one label per sequence, its
 * RNN cell is ReLU and its GRU reset-before, and its update is RMSProp-like. We time
 * trainPattern on each of the batch's B sequences; "per batch" for brain.js is B of those.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import {
  Rng,
  adam,
  computeLoss,
  createEngine,
  initCellParams,
  rnnBackward,
  rnnForward,
  type Backend,
  type CellConfig,
  type Param,
  type Tensor,
} from '@recurrent/core';
import brain from 'brain.js';
import { createGpujsBackend } from '../src/index.js';

interface Workload {
  id: 'lstm' | 'gru' | 'rnn';
  title: string;
  cell: CellConfig['kind'];
  units: number;
  steps: number;
  features: number;
  classes: number;
  batch: number;
}

const WORKLOADS: Workload[] = [
  { id: 'lstm', title: 'LSTM(128), T=50, D=32, B=32, Dense(10) softmax', cell: 'lstm', units: 128, steps: 50, features: 32, classes: 10, batch: 32 },
  { id: 'gru', title: 'GRU(128), T=50, D=32, B=32, Dense(10) softmax', cell: 'gru', units: 128, steps: 50, features: 32, classes: 10, batch: 32 },
  { id: 'rnn', title: 'SimpleRNN(50), T=20, D=1, B=32, Dense(1) sigmoid', cell: 'simpleRnn', units: 50, steps: 20, features: 1, classes: 1, batch: 32 },
];

/** One timed unit of work; `sequences` is how many sequences it trains on. */
interface Runner {
  name: string;
  sequences: number;
  step(): void;
  dispose(): void;
}

function data(w: Workload) {
  const rng = new Rng(1);
  const { batch: B, steps: T, features: D } = w;
  const x = Float32Array.from({ length: B * T * D }, () => rng.normal());
  const labels = Float32Array.from({ length: B }, (_, b) => {
    if (w.classes > 1) return rng.int(w.classes);
    let s = 0;
    for (let i = b * T * D; i < (b + 1) * T * D; i++) s += x[i];
    return s > 0 ? 1 : 0;
  });
  return { x, labels };
}

function ours(name: string, backend: Backend, w: Workload): Runner {
  const e = createEngine(backend);
  const { batch: B, steps: T, features: D, units: H, classes: K } = w;
  const cell: CellConfig = { kind: w.cell, inputSize: D, units: H };
  const rng = new Rng(7);
  const p = initCellParams(e, cell, rng);
  const params: Param[] = [
    ...Object.entries(p).flatMap(([k, v]) => (v ? [{ name: k, value: v }] : [])),
    { name: 'Wd', value: e.tensor(Array.from({ length: H * K }, () => rng.normal() * 0.1), [H, K]) },
    { name: 'bd', value: e.zeros([K]) },
  ];
  const get = (n: string) => params.find((q) => q.name === n)!.value;
  const { x: xs, labels } = data(w);
  const x = e.tensor(xs, [B, T, D]);
  const y = e.tensor(labels, K === 1 ? [B, 1] : [B]);
  const loss = K === 1 ? ({ name: 'binaryCrossentropy', fromLogits: true } as const) : ({ name: 'sparseCategoricalCrossentropy', fromLogits: true } as const);
  const opt = adam({ learningRate: 1e-3 });
  return {
    name,
    sequences: B,
    step() {
      const grads = e.scope(() => {
        const f = rnnForward(e, cell, { Wx: get('Wx'), Wh: get('Wh'), bx: get('bx'), bh: params.some((q) => q.name === 'bh') ? get('bh') : undefined }, x, {
          returnSequences: false,
        });
        const logits = e.matmul(f.state.h, get('Wd'), { bias: get('bd') });
        const l = computeLoss(e, loss, logits, y);
        const r = rnnBackward(e, f.tape!, { dState: { h: e.matmul(l.grad, get('Wd'), { transposeB: true }) }, inputGrad: false });
        const all: Record<string, Tensor | undefined> = { ...r.grads, Wd: e.matmul(f.state.h, l.grad, { transposeA: true }), bd: e.sumBatch(l.grad) };
        l.value.dataSync();
        return params.map((q) => all[q.name]!);
      });
      opt.step(params, grads);
      for (const g of grads) g.dispose();
    },
    dispose() {
      opt.dispose();
      for (const q of params) q.value.dispose();
      x.dispose();
      y.dispose();
      backend.destroy?.();
    },
  };
}

interface BrainNet {
  train(data: unknown[], opts: { iterations: number }): unknown;
  formatData(data: unknown[]): unknown[];
  trainPattern(input: unknown, logErrorRate?: boolean): number;
}

function brainjs(w: Workload): Runner {
  const { batch: B, steps: T, features: D, units: H } = w;
  const Net = w.cell === 'lstm' ? brain.recurrent.LSTMTimeStep : w.cell === 'gru' ? brain.recurrent.GRUTimeStep : brain.recurrent.RNNTimeStep;
  const net = new Net({ inputSize: D, hiddenLayers: [H], outputSize: D }) as unknown as BrainNet;
  const { x } = data(w);
  const seqs = Array.from({ length: B }, (_, b) =>
    D === 1 ? Array.from(x.subarray(b * T, (b + 1) * T)) : Array.from({ length: T }, (_, t) => Array.from(x.subarray((b * T + t) * D, (b * T + t + 1) * D))),
  );
  net.train([seqs[0]], { iterations: 1 }); // builds the model
  const formatted = net.formatData(seqs);
  let i = 0;
  return { name: 'brain.js', sequences: 1, step: () => void net.trainPattern(formatted[i++ % B], true), dispose() {} };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function parseArgs(argv: string[]) {
  const o = { rounds: 7, only: WORKLOADS.map((w) => w.id) as string[], gpujsCpu: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') o.rounds = Number(argv[++i]);
    else if (argv[i] === '--only') o.only = argv[++i].split(',');
    else if (argv[i] === '--gpujs-cpu') o.gpujsCpu = true;
    else throw new Error(`unknown flag ${argv[i]}; flags: --rounds N, --only lstm,gru,rnn, --gpujs-cpu`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};
out('| workload | library | ms per step (median) | sequences per step | ms per sequence | vs gpujs webasm, per sequence |');
out('|---|---|---:|---:|---:|---:|');
for (const w of WORKLOADS.filter((x) => opts.only.includes(x.id))) {
  const runners: Runner[] = [
    ours('gpujs webasm', createGpujsBackend({ mode: 'webasm' }), w),
    ...(opts.gpujsCpu ? [ours('gpujs cpu', createGpujsBackend({ mode: 'cpu' }), w)] : []),
    ours('cpu backend', createCpuBackend(), w),
    brainjs(w),
  ];
  // warm-up: compiles the gpu.js kernels and lets V8 optimise; brain.js warms on a full batch
  for (const r of runners) for (let k = 0; k < (r.sequences === 1 ? w.batch : 2); k++) r.step();
  const samples = runners.map(() => [] as number[]);
  for (let round = 0; round < opts.rounds; round++)
    runners.forEach((r, k) => {
      // brain.js: one round trains every sequence of the batch once, timed per sequence
      const n = r.sequences === 1 ? w.batch : 1;
      const t0 = performance.now();
      for (let j = 0; j < n; j++) r.step();
      samples[k].push((performance.now() - t0) / n);
    });
  const perSeq = runners.map((r, k) => median(samples[k]) / r.sequences);
  runners.forEach((r, k) => {
    const ms = median(samples[k]);
    out(
      `| ${w.title} | ${r.name} | ${ms.toFixed(ms < 10 ? 2 : 1)} | ${r.sequences} | ${perSeq[k].toFixed(3)} | ${(perSeq[k] / perSeq[0]).toFixed(2)}x |`,
    );
    r.dispose();
  });
}
