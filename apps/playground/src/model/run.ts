/**
 * One training run: a `@recurrent/models` Sequential (or the g2p task's functional
 * encoder-decoder), the task it learns, the batch generator and the step count. Everything
 * numerical is the library's: `trainOnBatch` is the training step (its `observe` gives the
 * gradient reaching each step), `evaluate` / `predict` the validation, `inspect` the views inside
 * the network (hidden states, gates), `translate` / `attentionWeights` the g2p decoding and
 * attention map, `toBackend` the move between backends, and `save` / `loadModel` the file format
 * (see file.ts). It runs the same way in the CPU worker and on the page.
 */
import { type Backend, type Engine, Rng } from '@recurrent/core';
import {
  attentionWeights,
  data,
  type HostTensor,
  type Inspection as LibInspection,
  type LayersModel,
  type Logs,
  Sequential,
  type Seq2seqInference,
  seq2seqInference,
  TrainingDivergedError,
  translate,
} from '@recurrent/models';
import { type DigitsTask, digitProbs } from '../tasks/digits.js';
import { G2P_MAX_DECODE, G2P_MAX_LETTERS, type G2pTask } from '../tasks/g2p.js';
import { GEN_VOCAB } from '../tasks/generate.js';
import { createTask, type RawData } from '../tasks/index.js';
import { type Batch, sigmoid, type Task } from '../tasks/task.js';
import type { WeatherTask } from '../tasks/weather.js';
import { buildModel, compileModel, makeOptimizer, type PlaygroundModel } from './build.js';
import { type ModelConfig, SEQ2SEQ_TASKS, type TrainConfig } from './config.js';

export interface StepResult {
  step: number;
  loss: number;
  /** The task's metric on the batch (NaN when the library has no metric for it, see Task.trainMetric). */
  metric: number;
  /** Wall time of the library's training step (upload, forward, backward, update, reading the loss; with the gradient view, reading it). */
  ms: number;
  /** ||d loss / d h_t|| per layer and step over the batch, from the step's own backward pass (only on inspected steps; null: padding in every example). */
  stepGradNorms?: (number | null)[][];
  /** Why the step was not applied (the library's TrainingDivergedError). */
  diverged?: string;
}

export interface Inspection {
  exampleIndex: number;
  /** The first layer's step labels. */
  stepLabels: string[];
  /** Per layer: its name and the labels of its steps (the g2p decoder's steps are phonemes, not letters). */
  layerNames: string[];
  layerStepLabels: string[][];
  text: string;
  units: number;
  /** Per layer: hidden state [T * H], step-major. */
  hidden: Float32Array[];
  /** Per layer: gate names and activations [T * G * H] (gate-major within a step). */
  gates: { names: string[]; data: Float32Array }[];
}

/** A test digit, its class and the model's probabilities for 0-9. */
export interface DigitPrediction {
  index: number;
  label: number;
  /** [784] grey levels in [0, 1], row by row. */
  pixels: Float32Array;
  probs: number[];
}

/** A word the g2p model pronounced, and where it looked. */
export interface Pronunciation {
  word: string;
  /** Greedy decoding and the best of a width-4 beam search. */
  greedy: string[];
  beam: string[];
  /**
   * The attention layer's weights while the decoder wrote the greedy phonemes (from the
   * library's attention model over the trained layers): [rows.length * word.length], row-major,
   * row r the weights over the letters when the decoder predicted rows[r]; each row sums to 1.
   */
  attention: Float32Array;
  /** Row labels: the greedy phonemes, then the end of the word. */
  rows: string[];
}

/** The g2p metric at a step: greedy decoding of the held-out words against the nearest-spelling baseline, and a few of them. */
export interface G2pScores {
  step: number;
  model: data.PronunciationScore;
  baseline: data.PronunciationScore;
  examples: { word: string; reference: string[]; predicted: string[] }[];
}

/** Beam width of the g2p card's beam search. */
export const G2P_BEAM = 4;
/** The row label of the step that ends a word. */
export const END_LABEL = 'end';
/** The step label of the decoder's start token. */
const START_LABEL = '▶';

export interface Forecast {
  dates: string[];
  truth: number[];
  pred: number[];
}

/** Validation rows per forward pass: every task's validation set fits in one (one shape to compile on GPU backends). */
const EVAL_CHUNK = 1024;

/** A task batch as the library's inputs: x with its padding mask, y shaped for the task's loss. */
export function toInputs(task: Task, b: Batch): { x: HostTensor | HostTensor[]; y: HostTensor } {
  if (b.inputs) return { x: b.inputs, y: { data: b.target, shape: [b.B, b.T] } };
  const x: HostTensor = { data: b.x, shape: [b.B, b.T, b.D] };
  if (b.lengths) {
    const mask = new Uint8Array(b.B * b.T);
    b.lengths.forEach((n, i) => mask.fill(1, i * b.T, i * b.T + n));
    x.mask = mask;
  }
  const shape = task.head === 'sequence' ? [b.B, b.T] : task.loss === 'classes' ? [b.B] : [b.B, task.outputSize];
  const y: HostTensor = { data: b.target, shape };
  return { x, y };
}

/** A one-example batch post-padded to T steps (its length kept in `lengths`, so the padding is masked). */
function padTo(b: Batch, T: number): Batch {
  if (b.T >= T) return b;
  const x = new Float32Array(T * b.D);
  x.set(b.x.subarray(0, b.T * b.D));
  const len = b.lengths?.[0] ?? b.T;
  const sequence = b.target.length === b.T;
  const target = sequence ? new Float32Array(T) : b.target;
  if (sequence) target.set(b.target);
  const mask = b.mask ? new Float32Array(T) : undefined;
  mask?.set(b.mask!.subarray(0, b.T));
  return { x, B: 1, T, D: b.D, lengths: [len], target, mask };
}

/** Per step, the norm over the batch of per-example gradient norms (null where every example is padding). */
function batchNorms(perExample: (number | null)[][]): (number | null)[] {
  const T = perExample[0]?.length ?? 0;
  return Array.from({ length: T }, (_, t) => {
    let s = 0;
    let any = false;
    for (const row of perExample) {
      const v = row[t];
      if (v === null) continue;
      any = true;
      s += v * v;
    }
    return any ? Math.sqrt(s) : null;
  });
}

export class Run {
  readonly task: Task;
  readonly config: ModelConfig;
  readonly model: PlaygroundModel;
  /** The g2p model's inference encoder, step and attention models (sharing its layers; rebuilt after a move). */
  #inference?: Seq2seqInference;
  #g2pScores?: G2pScores;
  #train: TrainConfig;
  #rng: Rng;
  #step: number;
  /** Head outputs on the validation set from the last evaluate(), and its step. */
  #valPred?: { step: number; pred: Float32Array };

  /** A run over `model`, which must be built for `task` and compiled (see fresh / file.ts). */
  constructor(task: Task, config: ModelConfig, train: TrainConfig, model: PlaygroundModel, state?: { step: number; rng?: ReturnType<Rng['getState']> }) {
    this.task = task;
    this.config = { ...config };
    this.#train = { ...train };
    this.model = model;
    this.#rng = new Rng(config.seed).fork('batches');
    this.#step = 0;
    if (state) {
      if (state.rng) this.#rng.setState(state.rng);
      this.#step = state.step;
    }
  }

  /** A new model from the seed. */
  static fresh(backend: Backend | Engine, raw: RawData, given: ModelConfig, train: TrainConfig): Run {
    // The encoder-decoder has one encoder and one decoder layer whatever the layers control says.
    const config = SEQ2SEQ_TASKS.includes(given.task) ? { ...given, layers: 1 } : given;
    const task = createTask(config.task, config.seqLen, raw);
    const model = buildModel(backend, task, config);
    try {
      compileModel(model, task, train);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return new Run(task, config, train, model);
  }

  get step(): number {
    return this.#step;
  }

  get trainConfig(): TrainConfig {
    return { ...this.#train };
  }

  /** The batch generator's state (saved with the model so a loaded run draws the same next batches). */
  get batchState(): ReturnType<Rng['getState']> {
    return this.#rng.getState();
  }

  /**
   * New training settings from the next step. The same optimizer keeps its moments (they move to
   * an optimizer with the new learning rate and clipping); a different one starts fresh.
   */
  async setTrainConfig(train: TrainConfig): Promise<void> {
    const old = this.model.optimizer;
    const keep = old && old.name === train.optimizer && old.iterations > 0 ? await old.getState() : undefined;
    const next = makeOptimizer(train);
    compileModel(this.model, this.task, train, next);
    if (keep) next.setState(keep, this.model.params);
    this.#train = { ...train };
  }

  /** Moves the model (weights and optimizer state) to another backend with the library's toBackend. */
  async toBackend(backend: Backend | Engine): Promise<void> {
    await this.model.toBackend(backend);
    this.#inference = undefined;
  }

  /** The recurrent layers `inspect` reports, as the views name them. */
  get layerNames(): string[] {
    if (this.#g2p) return ['encoder (letters)', 'decoder (phonemes)'];
    return Array.from({ length: this.config.layers }, (_, l) => `layer ${l + 1}`);
  }

  /** The model as the library's common base (training, evaluate, inspect take any model's inputs). */
  get #base(): LayersModel {
    return this.model;
  }

  get #g2p(): G2pTask | undefined {
    return this.task.id === 'g2p' ? (this.task as G2pTask) : undefined;
  }

  /**
   * One library training step on a fresh batch; with `gradients`, the gradient per step of that
   * batch from the step's own backward pass (trainOnBatch's `observe`: the gradients it applied).
   */
  async trainStep(gradients = false): Promise<StepResult> {
    const batch = this.task.trainBatch(this.#rng, this.#train.batchSize);
    const { x, y } = toInputs(this.task, batch);
    const t0 = performance.now();
    let logs: Logs;
    let observed: LibInspection | undefined;
    try {
      logs = await this.#base.trainOnBatch(x, y, gradients ? { observe: (ins) => (observed = ins) } : {});
    } catch (e) {
      if (!(e instanceof TrainingDivergedError)) throw e;
      return { step: this.#step, loss: Number.isFinite(e.loss) ? Number.POSITIVE_INFINITY : e.loss, metric: Number.NaN, ms: performance.now() - t0, diverged: e.message };
    }
    const ms = performance.now() - t0;
    this.#step++;
    const m = this.task.trainMetric;
    const r: StepResult = { step: this.#step, loss: logs.loss, metric: m ? logs[m.name] * m.scale : Number.NaN, ms };
    if (observed) r.stepGradNorms = observed.layers.map((l) => batchNorms(l.gradNorm ?? []));
    return r;
  }

  /** Raw head outputs for a batch (no tape kept). */
  async predict(batch: Batch): Promise<Float32Array> {
    const x = toInputs(this.task, batch).x;
    const o = { batchSize: EVAL_CHUNK };
    const p = this.model instanceof Sequential ? await this.model.predict(x as HostTensor, o) : await this.model.predict(x, o);
    return Float32Array.from((Array.isArray(p) ? p[0] : p).data);
  }

  /**
   * Loss (the library's evaluate) and the task's metric on the validation set: from evaluate's
   * metric when the library has it (one forward pass), else from a prediction.
   */
  async evaluate(): Promise<{ loss: number; metric: number }> {
    const v = this.task.validation;
    const { x, y } = toInputs(this.task, v);
    const logs = await this.#base.evaluate(x, y, { batchSize: EVAL_CHUNK });
    const m = this.task.trainMetric;
    if (m) return { loss: logs.loss, metric: logs[m.name] * m.scale };
    if (!this.task.score) return { loss: logs.loss, metric: (await this.g2pScores()).model.phonemeErrorRate };
    const pred = await this.predict(v);
    this.#valPred = { step: this.#step, pred };
    const s = this.task.score(pred, v);
    return { loss: logs.loss, metric: s.sum / s.count };
  }

  #inf(): Seq2seqInference {
    this.#inference ??= seq2seqInference(this.model);
    return this.#inference;
  }

  /** g2p: the phonemes of lower-case words (greedy, or the best of a beam search). */
  async #pronounce(words: readonly string[], beamWidth: number): Promise<string[][]> {
    const tokens = await translate(this.#inf(), words.map(data.letterTokens), { startToken: data.G2P_START, endToken: data.G2P_END, maxLength: G2P_MAX_DECODE, beamWidth });
    return tokens.map(data.tokenPhonemes);
  }

  /** g2p: greedy decoding of the held-out words scored against the nearest-spelling baseline (once per step). */
  async g2pScores(): Promise<G2pScores> {
    const task = this.#g2p;
    if (!task) throw new Error('g2pScores() is for the g2p task.');
    if (this.#g2pScores?.step === this.#step) return this.#g2pScores;
    const refs = task.testWords.map((w) => w.phonemes);
    const predicted = await this.#pronounce(
      task.testWords.map((w) => w.word),
      1,
    );
    const examples = task.testWords.slice(0, 8).map((w, i) => ({ word: w.word, reference: w.phonemes, predicted: predicted[i] }));
    this.#g2pScores = { step: this.#step, model: data.scorePronunciations(predicted, refs), baseline: task.baseline, examples };
    return this.#g2pScores;
  }

  /**
   * g2p: a word's pronunciation (greedy and beam) and the attention weights of the greedy one,
   * from the library's attention model over the trained layers. A word that is not 1 to 12
   * letters a-z is an Error saying so.
   */
  async pronounce(text: string): Promise<Pronunciation> {
    if (!this.#g2p) throw new Error('pronounce() is for the g2p task.');
    const word = text.trim().toLowerCase();
    if (!/^[a-z]+$/.test(word) || word.length > G2P_MAX_LETTERS) throw new Error(`'${text.slice(0, 40)}' is not a word the model reads: type 1 to ${G2P_MAX_LETTERS} letters a-z.`);
    const [greedy] = await this.#pronounce([word], 1);
    const [beam] = await this.#pronounce([word], G2P_BEAM);
    const w = await attentionWeights(this.#inf(), data.letterTokens(word), [data.G2P_START, ...data.phonemeTokens(greedy)]);
    return { word, greedy, beam, attention: w.data, rows: [...greedy, END_LABEL] };
  }

  /** Hidden states and gate activations of validation example i, from the library's inspect. */
  async inspect(i: number): Promise<Inspection> {
    if (this.#g2p) return this.#inspectG2p(i);
    const ex = this.task.example(i);
    // Post-padded to the validation length: one input shape for every example, so GPU backends
    // compile their kernels once (padding comes after the example's steps and is masked).
    const padded = padTo(ex.batch, this.task.validation.T);
    const { x } = toInputs(this.task, padded);
    const ins: LibInspection = await this.#base.inspect(x);
    const pred = await this.predict(padded);
    const T = ex.batch.T;
    const H = this.config.units;
    const hidden = ins.layers.map((l) => {
      const out = new Float32Array(T * H);
      l.h?.[0].forEach((v, t) => v && out.set(v, t * H));
      return out;
    });
    const gates = ins.layers.map((l) => {
      const names = Object.keys(l.gates ?? {});
      const G = names.length;
      const out = new Float32Array(T * G * H);
      names.forEach((g, k) => l.gates![g][0].forEach((v, t) => v && out.set(v, (t * G + k) * H)));
      return { names, data: out };
    });
    return { exampleIndex: i, stepLabels: ex.stepLabels, layerNames: this.layerNames, layerStepLabels: hidden.map(() => ex.stepLabels), text: ex.describe(pred), units: H, hidden, gates };
  }

  /**
   * g2p: the encoder's states after each letter and the decoder's after each phoneme it reads
   * (the reference's, teacher-forced as in training) for held-out word i, from the library's inspect.
   */
  async #inspectG2p(i: number): Promise<Inspection> {
    const ex = this.task.example(i);
    const ins: LibInspection = await this.#base.inspect(ex.batch.inputs!);
    const H = this.config.units;
    const previous = Array.from(ex.batch.inputs![1].data);
    const labels = [ex.stepLabels, [START_LABEL, ...data.tokenPhonemes(previous.slice(1))]];
    const hidden = ins.layers.map((l, k) => {
      const T = labels[k].length;
      const out = new Float32Array(T * H);
      l.h?.[0].forEach((v, t) => v && t < T && out.set(v, t * H));
      return out;
    });
    const gates = ins.layers.map((l, k) => {
      const T = labels[k].length;
      const names = Object.keys(l.gates ?? {});
      const G = names.length;
      const out = new Float32Array(T * G * H);
      names.forEach((g, n) => l.gates![g][0].forEach((v, t) => v && t < T && out.set(v, (t * G + n) * H)));
      return { names, data: out };
    });
    const word = ex.stepLabels.join('');
    const [said] = await this.#pronounce([word], 1);
    const text = `${ex.describe(new Float32Array(0))} The model says ${said.join(' ') || '(nothing)'}.`;
    return { exampleIndex: i, stepLabels: labels[0], layerNames: this.layerNames, layerStepLabels: labels, text, units: H, hidden, gates };
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

  /** Digits task: the test images of validation examples first .. first + count - 1 and the model's class probabilities. */
  async digits(first: number, count: number): Promise<DigitPrediction[]> {
    if (this.task.id !== 'digits') throw new Error('digits() is for the digits task.');
    const task = this.task as DigitsTask;
    const exs = Array.from({ length: count }, (_, k) => task.example(first + k).batch);
    const per = exs[0].T * exs[0].D;
    const x = new Float32Array(count * per);
    exs.forEach((b, k) => x.set(b.x, k * per));
    const pred = await this.predict({ x, B: count, T: exs[0].T, D: exs[0].D, target: Float32Array.from(exs, (b) => b.target[0]) });
    return exs.map((b, k) => ({ index: first + k, label: b.target[0], pixels: b.x, probs: digitProbs(pred, k) }));
  }

  /** Names task: P(female) for each name. */
  async classify(names: string[]): Promise<number[]> {
    if (this.task.id !== 'names') throw new Error('classify() is for the names task.');
    const batch = (this.task as Task & { classify(n: string[]): Batch }).classify(names);
    const pred = await this.predict(batch);
    return Array.from(pred, sigmoid);
  }

  /**
   * Generation task: `count` names sampled letter by letter at `temperature` (0 = greedy, the
   * most likely letter) after `prime` (letters every name starts with). Each step predicts on the
   * prefix so far and samples the last step's logits with the library's `data.sampleLogits`.
   */
  async sample(count: number, temperature: number, seed: number, prime = '', maxLen = 16): Promise<{ name: string; known: boolean }[]> {
    if (this.task.id !== 'generate') throw new Error('sample() is for the generation task.');
    const V = GEN_VOCAB.length;
    const rng = new Rng(seed);
    const start = [...prime.toLowerCase()].map((c) => GEN_VOCAB.indexOf(c)).filter((k) => k > 0);
    const seqs = Array.from({ length: count }, () => [0, ...start]);
    const done = new Array(count).fill(false);
    while (done.includes(false) && seqs[0].length <= maxLen) {
      // Every step predicts on the full length (zeros after the prefix): a recurrent layer's output
      // at step t reads only steps 0..t, and one input shape means GPU kernels compile once.
      const t = seqs[0].length - 1;
      const T = maxLen + 1;
      const x = new Float32Array(count * T * V);
      seqs.forEach((s, b) => s.forEach((tok, j) => (x[(b * T + j) * V + tok] = 1)));
      const p = await (this.model as Sequential).predict({ data: x, shape: [count, T, V] }, { batchSize: count });
      seqs.forEach((s, b) => {
        if (done[b]) return s.push(0);
        const logits = p.data.subarray((b * T + t) * V, (b * T + t + 1) * V);
        const k = data.sampleLogits(logits, temperature, rng);
        if (k === 0) done[b] = true;
        s.push(k);
      });
    }
    const known = (this.task as Task & { names: Set<string> }).names;
    return seqs.map((s) => {
      const end = s.indexOf(0, 1);
      const name = (end < 0 ? s.slice(1) : s.slice(1, end)).map((k) => GEN_VOCAB[k]).join('');
      return { name, known: known.has(name) };
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
