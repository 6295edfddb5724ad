/**
 * One model being trained on one engine: the loop body the page runs step by step, evaluation,
 * and the views inside the network (hidden states, gates, gradient per time step). It runs the
 * same way in the CPU worker and on the page for GPU backends.
 *
 * Moving to another backend: `exportState()` reads the weights, the optimizer's slots and the
 * batch generator's state; a Trainer built from that state on another engine continues the same
 * run (same next batches, same optimizer moments).
 */
import {
  adagrad,
  adam,
  adamw,
  clipByGlobalNorm,
  type Engine,
  type Optimizer,
  type OptimizerState,
  type Param,
  Rng,
  type RngState,
  rmsprop,
  rnnForward,
  sgd,
  type Tensor,
} from '@recurrent/core';
import { GEN_VOCAB } from '../tasks/generate.js';
import { createTask, type RawData } from '../tasks/index.js';
import { sliceBatch, type Batch, type Task } from '../tasks/task.js';
import type { WeatherTask } from '../tasks/weather.js';
import type { ModelConfig, OptimizerName, TrainConfig } from './config.js';
import { headLoss } from './losses.js';
import { backward, cellConfig, forward, initParams, layerParams, type NetSpec, paramShapes } from './network.js';

/** Everything needed to continue a run elsewhere; plain JSON. */
export interface TrainerState {
  format: 'recurrent-playground/1';
  model: ModelConfig;
  train: TrainConfig;
  step: number;
  params: { name: string; shape: number[]; data: number[] }[];
  optimizer: OptimizerState | null;
  rng: RngState;
}

export interface StepResult {
  step: number;
  loss: number;
  metric: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Wall time of the step: upload, forward, backward, update and reading the loss back. */
  ms: number;
  /** ||d loss / d h_t|| per layer and step (only on inspected steps). */
  stepGradNorms?: number[][];
}

export interface Inspection {
  exampleIndex: number;
  stepLabels: string[];
  text: string;
  units: number;
  /** Per layer: hidden state [T * H], step-major. */
  hidden: Float32Array[];
  /** Per layer: gate names and activations [T * G * H] (gate-major within a step). */
  gates: { names: string[]; data: Float32Array }[];
}

export interface Forecast {
  dates: string[];
  truth: number[];
  pred: number[];
}

/** Validation rows per forward pass: every task's validation set fits in one (one shape to compile on GPU backends). */
const EVAL_CHUNK = 1024;

function makeOptimizer(name: OptimizerName, lr: () => number): Optimizer {
  const learningRate = () => lr();
  switch (name) {
    case 'adam':
      return adam({ learningRate });
    case 'adamw':
      return adamw({ learningRate });
    case 'rmsprop':
      return rmsprop({ learningRate });
    case 'sgd':
      return sgd({ learningRate, momentum: 0.9 });
    case 'adagrad':
      return adagrad({ learningRate });
  }
}

/** The optimizer's own name in its state (sgd with momentum is 'sgd'). */
const optimizerStateName = (name: OptimizerName): string => name;

export class Trainer {
  readonly e: Engine;
  readonly task: Task;
  readonly model: ModelConfig;
  readonly spec: NetSpec;
  #train: TrainConfig;
  #params: Param[];
  #opt: Optimizer;
  #rng: Rng;
  #step = 0;
  #disposed = false;
  /** Head outputs on the validation set from the last evaluate(), and its step. */
  #valPred?: { step: number; pred: Float32Array };

  constructor(e: Engine, data: RawData, model: ModelConfig, train: TrainConfig, state?: TrainerState) {
    this.e = e;
    this.model = model;
    this.#train = { ...train };
    this.task = createTask(model.task, model.seqLen, data);
    this.spec = {
      cell: model.cell,
      inputSize: this.task.inputSize,
      units: model.units,
      layers: model.layers,
      outputSize: this.task.outputSize,
      head: this.task.head,
    };
    this.#rng = new Rng(model.seed).fork('batches');
    this.#opt = makeOptimizer(train.optimizer, () => this.#train.learningRate);
    if (!state) {
      this.#params = initParams(e, this.spec, model.seed);
      return;
    }
    const want = paramShapes(this.spec);
    const problems = checkStateParams(state, want);
    if (problems) throw new Error(`The saved model does not fit this configuration: ${problems}`);
    this.#params = state.params.map((p) => ({ name: p.name, value: e.tensor(p.data, p.shape, `load ${p.name}`) }));
    if (state.optimizer && state.optimizer.name === optimizerStateName(train.optimizer) && state.train.optimizer === train.optimizer)
      this.#opt.setState(state.optimizer, this.#params);
    this.#rng.setState(state.rng);
    this.#step = state.step;
  }

  get step(): number {
    return this.#step;
  }

  get trainConfig(): TrainConfig {
    return { ...this.#train };
  }

  /** New training settings; a different optimizer starts with fresh slots. */
  setTrainConfig(train: TrainConfig): void {
    const changed = train.optimizer !== this.#train.optimizer;
    this.#train = { ...train };
    if (changed) {
      this.#opt.dispose();
      this.#opt = makeOptimizer(train.optimizer, () => this.#train.learningRate);
    }
  }

  /** One training step on a fresh batch. */
  async trainStep(inspect = false): Promise<StepResult> {
    const e = this.e;
    const t0 = performance.now();
    const batch = this.task.trainBatch(this.#rng, this.#train.batchSize);
    const sq: Tensor[][] | undefined = inspect ? Array.from({ length: this.spec.layers }, () => []) : undefined;
    const { loss, norm, out, stepSq } = e.scope(() => {
      const x = e.tensor(batch.x, [batch.B, batch.T, batch.D], 'batch');
      const fw = forward(e, this.spec, this.#params, x, { lengths: batch.lengths, training: true });
      const L = headLoss(e, this.task.loss, fw.out, batch.target, batch.mask);
      const grads = backward(e, this.spec, this.#params, fw, L.grad, sq);
      // Clipping off = a limit no norm reaches (the scale factor is then exactly 1).
      const clip = clipByGlobalNorm(e, grads, this.#train.clipNorm > 0 ? this.#train.clipNorm : 1e30);
      this.#opt.step(this.#params, clip.clipped);
      let stepSq: Tensor | undefined;
      if (sq) {
        const cols = sq.flat().map((s) => s.reshape([1, 1]));
        stepSq = e.concatCols(cols);
        for (const s of sq.flat()) s.dispose();
      }
      return { loss: L.value, norm: clip.norm, out: fw.out, stepSq };
    });
    const [lv, nv, pv, sv] = await Promise.all([loss.data(), norm.data(), out.data(), stepSq?.data()]);
    for (const t of [loss, norm, out, stepSq]) t?.dispose();
    this.#step++;
    const ms = performance.now() - t0;
    const s = this.task.score(pv as Float32Array, batch);
    const T = batch.T;
    return {
      step: this.#step,
      loss: lv[0],
      metric: s.sum / s.count,
      gradNorm: nv[0],
      ms,
      stepGradNorms: sv ? Array.from({ length: this.spec.layers }, (_, l) => Array.from(sv.subarray(l * T, (l + 1) * T), Math.sqrt)) : undefined,
    };
  }

  /** Raw head outputs for a batch, in chunks (no tape kept). */
  async predict(batch: Batch): Promise<Float32Array> {
    const K = this.task.outputSize;
    const rows = this.task.head === 'sequence' ? batch.T : 1;
    const out = new Float32Array(batch.B * rows * K);
    for (let i = 0; i < batch.B; i += EVAL_CHUNK) {
      const b = sliceBatch(batch, i, Math.min(EVAL_CHUNK, batch.B - i));
      const t = this.e.scope(() => {
        const x = this.e.tensor(b.x, [b.B, b.T, b.D], 'batch');
        return forward(this.e, this.spec, this.#params, x, { lengths: b.lengths, training: false }).out;
      });
      out.set(await t.data(), i * rows * K);
      t.dispose();
    }
    return out;
  }

  /** Loss and metric on the validation set. */
  async evaluate(): Promise<{ loss: number; metric: number }> {
    const v = this.task.validation;
    const pred = await this.predict(v);
    this.#valPred = { step: this.#step, pred };
    const s = this.task.score(pred, v);
    const p = this.e.scope(() => {
      const rows = this.task.head === 'sequence' ? v.B * v.T : v.B;
      return headLoss(this.e, this.task.loss, this.e.tensor(pred, [rows, this.task.outputSize]), v.target, v.mask).value;
    });
    const loss = (await p.data())[0];
    p.dispose();
    return { loss, metric: s.sum / s.count };
  }

  /** Hidden states and gate activations of validation example i. */
  async inspect(i: number): Promise<Inspection> {
    const e = this.e;
    const ex = this.task.example(i);
    const b = ex.batch;
    const H = this.spec.units;
    const { out, ys, gates } = e.scope(() => {
      const x = e.tensor(b.x, [1, b.T, b.D], 'example');
      const fw = forward(e, this.spec, this.#params, x, { training: true, allSequences: true });
      const gates = fw.tapes.map((tape) => {
        const perStep = Array.from({ length: b.T }, (_, t) => Object.entries(tape.gates(t)));
        if (perStep[0].length === 0) return undefined;
        const names = perStep[0].map(([n]) => n);
        const rows = perStep.map((g) => e.concatCols(g.map(([, v]) => v)));
        return { names, data: e.stackTime(rows) };
      });
      for (const tape of fw.tapes) tape.dispose();
      return { out: fw.out, ys: fw.ys as Tensor[], gates };
    });
    const [pred, ...hidden] = await Promise.all([out.data(), ...ys.map((y) => y.data())]);
    const gateData = await Promise.all(gates.map((g) => g?.data.data()));
    for (const t of [out, ...ys, ...gates.map((g) => g?.data)]) t?.dispose();
    return {
      exampleIndex: i,
      stepLabels: ex.stepLabels,
      text: ex.describe(pred as Float32Array),
      units: H,
      hidden: hidden as Float32Array[],
      gates: gates.map((g, l) => (g ? { names: g.names, data: gateData[l] as Float32Array } : { names: [], data: new Float32Array(0) })),
    };
  }

  /** Weather: predicted and true highs over the validation period (°C). */
  async forecast(): Promise<Forecast> {
    if (this.task.id !== 'weather') throw new Error('forecast() is for the weather task.');
    const task = this.task as WeatherTask;
    // The validation pass just run by evaluate() at this step, if any (it is the same forward).
    const pred = this.#valPred?.step === this.#step ? this.#valPred.pred : await this.predict(task.validation);
    return {
      dates: task.forecastDays.map((d) => d.date),
      truth: task.forecastDays.map((d) => d.truth),
      pred: Array.from(pred, (v) => task.toCelsius(v)),
    };
  }

  /** Names task: P(female) for each name. */
  async classify(names: string[]): Promise<number[]> {
    if (this.task.id !== 'names') throw new Error('classify() is for the names task.');
    const batch = (this.task as Task & { classify(n: string[]): Batch }).classify(names);
    const pred = await this.predict(batch);
    return Array.from(pred, (v) => 1 / (1 + Math.exp(-v)));
  }

  /**
   * Generation task: `count` names sampled letter by letter at `temperature`, carrying each
   * layer's state from step to step. Returns each name and whether it is in the training set.
   */
  async sample(count: number, temperature: number, seed: number, maxLen = 16): Promise<{ name: string; known: boolean }[]> {
    if (this.task.id !== 'generate') throw new Error('sample() is for the generation task.');
    const e = this.e;
    const V = GEN_VOCAB.length;
    const rng = new Rng(seed);
    const { W, b } = { W: this.#params[this.#params.length - 2].value, b: this.#params[this.#params.length - 1].value };
    let states: ({ h: Tensor; c?: Tensor } | undefined)[] = Array.from({ length: this.spec.layers }, () => undefined);
    const names = Array.from({ length: count }, () => '');
    const done = new Array(count).fill(false);
    let prev = new Array(count).fill(0);
    for (let step = 0; step < maxLen + 1 && done.includes(false); step++) {
      const x = new Float32Array(count * V);
      prev.forEach((tok, i) => (x[i * V + tok] = 1));
      const { logits, next } = e.scope(() => {
        let input = e.tensor(x, [count, 1, V]);
        const next = states.map((s, l) => {
          const f = rnnForward(e, cellConfig(this.spec, l), layerParams(this.#params, l), input, { initialState: s, training: false, returnSequences: false });
          input = f.state.h.reshape([count, 1, this.spec.units]);
          return f.state;
        });
        return { logits: e.matmul(next[next.length - 1].h, W, { bias: b }), next };
      });
      for (const s of states) for (const t of [s?.h, s?.c]) t?.dispose();
      states = next;
      const lv = await logits.data();
      logits.dispose();
      prev = prev.map((_, i) => {
        if (done[i]) return 0;
        const row = Array.from(lv.subarray(i * V, (i + 1) * V), (v) => v / Math.max(temperature, 1e-3));
        const m = Math.max(...row);
        const p = row.map((v) => Math.exp(v - m));
        const z = p.reduce((a, v) => a + v, 0);
        let r = rng.next() * z;
        let k = 0;
        while (k < V - 1 && (r -= p[k]) > 0) k++;
        if (k === 0 || step === maxLen) done[i] = true;
        else names[i] += GEN_VOCAB[k];
        return k;
      });
    }
    for (const s of states) for (const t of [s?.h, s?.c]) t?.dispose();
    const known = (this.task as Task & { names: Set<string> }).names;
    return names.map((name) => ({ name, known: known.has(name) }));
  }

  /** Reads everything back (async: GPU backends do not stall). */
  async exportState(): Promise<TrainerState> {
    const rng = this.#rng.getState();
    const step = this.#step;
    const reads = this.#params.map((p) => p.value.data());
    const optimizer = this.#opt.iterations > 0 ? await this.#opt.getState() : null;
    const data = await Promise.all(reads);
    return {
      format: 'recurrent-playground/1',
      model: { ...this.model },
      train: { ...this.#train },
      step,
      params: this.#params.map((p, i) => ({ name: p.name, shape: [...p.value.shape], data: Array.from(data[i]) })),
      optimizer,
      rng,
    };
  }

  /** Live tensors on this trainer's engine (the leak check in the page's debug API reads it). */
  memory() {
    return this.e.memory();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#opt.dispose();
    for (const p of this.#params) p.value.dispose();
  }
}

/** Why a saved state's parameters do not fit the expected shapes, or '' when they do. */
export function checkStateParams(state: TrainerState, want: { name: string; shape: number[] }[]): string {
  if (!Array.isArray(state.params)) return 'it has no parameter list.';
  if (state.params.length !== want.length) return `it has ${state.params.length} parameters, this model has ${want.length}.`;
  for (let i = 0; i < want.length; i++) {
    const p = state.params[i];
    const w = want[i];
    if (p.name !== w.name) return `parameter ${i + 1} is '${p.name}', wanted '${w.name}'.`;
    if (p.shape.join(',') !== w.shape.join(',')) return `'${p.name}' is [${p.shape}], wanted [${w.shape}].`;
    if (p.data.length !== w.shape.reduce((a, d) => a * d, 1)) return `'${p.name}' holds ${p.data.length} values, wanted ${w.shape.reduce((a, d) => a * d, 1)}.`;
  }
  return '';
}
