/**
 * The main job until @recurrent/models lands: train a recurrent classifier on a sequence task
 * with core's cells, BPTT, loss and optimizer directly, and print the loss falling.
 *
 * Task ("sum sign"): each sequence is T numbers drawn uniformly from [-1, 1]; the label is 1
 * when their sum is positive. A model must integrate over every step, so it is a real (if
 * small) sequence task; chance is 50%, and a trained SimpleRNN gets well above 90%.
 */
import {
  Rng,
  adam,
  computeLoss,
  createEngine,
  initCellParams,
  initializers,
  rnnBackward,
  rnnForward,
  type Backend,
  type CellConfig,
  type CellKind,
  type Engine,
  type Param,
  type Tensor,
} from '@recurrent/core';

export interface DemoOptions {
  cell: CellKind;
  units: number;
  steps: number;
  samples: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const DEMO_DEFAULTS: DemoOptions = {
  cell: 'simpleRnn',
  units: 16,
  steps: 20,
  samples: 2560,
  epochs: 10,
  batchSize: 32,
  learningRate: 0.003,
  seed: 42,
};

export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  ms: number;
}

export interface DemoReport {
  epochs: EpochReport[];
  /** Loss of the untrained model on the validation set. */
  initialValLoss: number;
  ms: number;
}

function makeData(rng: Rng, n: number, T: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * T);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += x[i * T + t] = rng.next() * 2 - 1;
    y[i] = s > 0 ? 1 : 0;
  }
  return { x, y };
}

/** Forward (and optionally backward) of recurrent layer -> dense logit -> BCE. */
function batchStep(e: Engine, config: CellConfig, params: Param[], x: Tensor, y: Tensor, train: boolean) {
  return e.scope(() => {
    const [Wx, Wh, bx, W, b] = params.map((p) => p.value);
    const f = rnnForward(e, config, { Wx, Wh, bx, bh: config.kind === 'gru' ? params[5].value : undefined }, x, {
      returnSequences: false,
      training: train,
    });
    const logit = e.matmul(f.state.h, W, { bias: b });
    const { value, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
    const loss = value.dataSync()[0];
    const logits = logit.dataSync();
    if (!train) return { loss, logits, grads: [] as Tensor[] };
    const r = rnnBackward(e, f.tape!, { dState: { h: e.matmul(grad, W, { transposeB: true }) } });
    const grads = [r.grads.Wx, r.grads.Wh, r.grads.bx!, e.matmul(f.state.h, grad, { transposeA: true }), e.sumBatch(grad)];
    if (config.kind === 'gru') grads.push(r.grads.bh!);
    return { loss, logits, grads };
  });
}

const correct = (logits: ArrayLike<number>, y: ArrayLike<number>) => {
  let c = 0;
  for (let i = 0; i < y.length; i++) if (logits[i] > 0 === y[i] > 0.5) c++;
  return c;
};

export async function runDemo(
  backend: Backend,
  o: DemoOptions,
  onEpoch: (r: EpochReport) => void,
  onBatch?: (epoch: number, batch: number, batches: number, loss: number) => void,
): Promise<DemoReport> {
  const start = performance.now();
  const e = createEngine(backend);
  const rng = new Rng(o.seed);
  const config: CellConfig = { kind: o.cell, inputSize: 1, units: o.units };
  const cp = initCellParams(e, config, rng.fork('init'));
  const params: Param[] = [
    { name: 'Wx', value: cp.Wx },
    { name: 'Wh', value: cp.Wh },
    { name: 'bx', value: cp.bx! },
    { name: 'dense.W', value: e.tensor(initializers.glorotUniform([o.units, 1], rng.fork('dense')), [o.units, 1]) },
    { name: 'dense.b', value: e.zeros([1]) },
  ];
  if (cp.bh) params.push({ name: 'bh', value: cp.bh });
  const nVal = Math.max(o.batchSize, Math.floor(o.samples / 5));
  const train = makeData(rng.fork('train'), o.samples - nVal, o.steps);
  const val = makeData(rng.fork('val'), nVal, o.steps);
  const opt = adam({ learningRate: o.learningRate, clipNorm: 1 });
  const shuffle = rng.fork('shuffle');
  const T = o.steps;

  const evaluate = () => {
    let loss = 0;
    let right = 0;
    for (let i = 0; i < nVal; i += o.batchSize) {
      const n = Math.min(o.batchSize, nVal - i);
      const r = e.scope(() =>
        batchStep(e, config, params, e.tensor(val.x.subarray(i * T, (i + n) * T), [n, T, 1]), e.tensor(val.y.subarray(i, i + n), [n, 1]), false),
      );
      loss += r.loss * n;
      right += correct(r.logits, val.y.subarray(i, i + n));
    }
    return { loss: loss / nVal, accuracy: right / nVal };
  };

  const initialValLoss = evaluate().loss;
  const epochs: EpochReport[] = [];
  const nTrain = train.y.length;
  const order = Array.from({ length: nTrain }, (_, i) => i);
  const bx = new Float32Array(o.batchSize * T);
  const by = new Float32Array(o.batchSize);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    shuffle.shuffle(order);
    let loss = 0;
    let right = 0;
    const batches = Math.ceil(nTrain / o.batchSize);
    for (let k = 0; k < batches; k++) {
      const n = Math.min(o.batchSize, nTrain - k * o.batchSize);
      for (let j = 0; j < n; j++) {
        const i = order[k * o.batchSize + j];
        bx.set(train.x.subarray(i * T, (i + 1) * T), j * T);
        by[j] = train.y[i];
      }
      const grads = e.scope(() => {
        const r = batchStep(e, config, params, e.tensor(bx.subarray(0, n * T), [n, T, 1]), e.tensor(by.subarray(0, n), [n, 1]), true);
        loss += r.loss * n;
        right += correct(r.logits, by.subarray(0, n));
        return r.grads;
      });
      opt.step(params, grads);
      for (const g of grads) g.dispose();
      onBatch?.(epoch, k + 1, batches, loss / Math.min(nTrain, (k + 1) * o.batchSize));
    }
    const v = evaluate();
    const report = { epoch, loss: loss / nTrain, accuracy: right / nTrain, valLoss: v.loss, valAccuracy: v.accuracy, ms: performance.now() - t0 };
    epochs.push(report);
    onEpoch(report);
  }
  opt.dispose();
  for (const p of params) p.value.dispose();
  return { epochs, initialValLoss, ms: performance.now() - start };
}
