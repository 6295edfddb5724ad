/**
 * What every model does, whatever its topology (a Sequential chain or a functional graph):
 * Keras's compile / fit / evaluate / predict, weights as plain values, saving, moving between
 * backends, inspection. The topology is a LayerGraph (model/graph.ts); the training step is
 * model/train-step.ts; fit, evaluate and predict share one batch loop (model/batch-loop.ts);
 * toBackend is model/backend-move.ts; saving writes a plain record (model/serialize.ts).
 *
 * Weights, optimizer slots and stateful layers' states are the only tensors that outlive a call.
 */
import {
  type Backend,
  ConfigError,
  createEngine,
  Engine,
  type Optimizer,
  type OptimizerState,
  type Param,
  Rng,
  ShapeError,
  StateError,
} from '@recurrent/core';
import { type Callback, CallbackList, type Logs } from '../callbacks/callback.js';
import { defaultProgressStream, ProgressBar, type ProgressStream } from '../callbacks/progress-bar.js';
import { ModelBusyError } from '../errors.js';
import { Mutex } from '../internal/mutex.js';
import { fmt, type SymShape } from '../internal/shape.js';
import { type HostTensor, type InputData, isHostTensor, toHost } from '../inputs.js';
import type { IOHandler } from '../io/handler.js';
import { resolveHandler } from '../io/resolve.js';
import type { SeqMask } from '../internal/mask.js';
import type { Layer, RecurrentObserver } from '../layers/layer.js';
import { LAYER_CLASSES } from '../layers/registry.js';
import { moveToBackend } from './backend-move.js';
import { batches, inferBatches, join, type Prepared, sliceSamples, stateTensors, takeBatch } from './batch-loop.js';
import { type Compiled, type LossesOption, mean, outputUnits, prepareAllTargets, resolveLosses, resolveOutputMetrics, Totals } from './compiled.js';
import type { LayerGraph } from './graph.js';
import { type Inspection, type InspectOptions, inspectModel, type LayerInspection, recordLayers } from './inspect.js';
import type { ResolvedLoss } from './losses.js';
import type { MetricName } from './metrics.js';
import { optimizerByName } from './optimizer-config.js';
import { type ModelRecord, recordToArtifacts } from './serialize.js';
import { summaryText } from './summary.js';
import { batchParts, graphLoss, type StepResult, trainStep } from './train-step.js';
import type { NamedWeight } from './weights.js';

export interface ModelOptions {
  /** The backend to run on (or an engine already created over one). */
  backend: Backend | Engine;
  /** Seed of weight initialisation, shuffling and dropout. Default: a random seed (see `seed`). */
  seed?: number;
  name?: string;
}

export interface CompileOptions {
  /**
   * A loss name or { name, fromLogits }; for a model with several outputs, one for all, a list
   * in output order, or an object keyed by output name.
   */
  loss: LossesOption;
  /** An optimizer (optimizers.adam({ learningRate })) or a name with Keras's defaults. */
  optimizer: Optimizer | 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';
  metrics?: MetricName[];
}

/** Initial states by layer name: [h] or [h, c] per layer, each [samples, units]. */
export type InitialStates = Record<string, InputData[]>;

/** trainOnBatch's options: initial states by layer name, and `observe` (see trainOnBatch). */
export interface TrainOnBatchOptions {
  initialState?: InitialStates;
  /** Called with the step's own per-step gradient norms (`inspect`'s `gradNorm`), before trainOnBatch resolves. */
  observe?: (inspection: Inspection) => void;
}

/** A model's inputs (or targets): one InputData for one input, a list in order, or an object by name. */
export type ModelData = InputData | InputData[] | Record<string, InputData>;

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Shuffle the training samples before each epoch, with the model's seeded Rng. Default true. */
  shuffle?: boolean;
  /** Hold out this fraction of the samples (the last ones, before shuffling) for validation. */
  validationSplit?: number;
  validationData?: [ModelData, ModelData];
  callbacks?: Callback | Callback[];
  /** 0 silent, 1 progress bar, 2 one line per epoch. Default 'auto': 1 on a terminal, else 0. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Epoch to start counting from (callbacks and history see epochs initialEpoch..epochs-1). */
  initialEpoch?: number;
  initialState?: InitialStates;
  /** Where the progress bar writes (default process.stdout). */
  progressStream?: ProgressStream;
}

export interface EvaluateOptions {
  batchSize?: number;
  initialState?: InitialStates;
}

export interface PredictOptions {
  /** Samples per forward pass (default 32); any number of samples works. */
  batchSize?: number;
  initialState?: InitialStates;
}

/** A prediction: values on the host; `states` when a Sequential's last layer has returnState. */
export interface Prediction extends HostTensor {
  data: Float32Array | Float64Array;
  shape: number[];
  states?: HostTensor[];
}

export class History {
  /** Epoch indices, 0-based. */
  readonly epoch: number[] = [];
  /** Values per epoch: loss, metrics, val_loss, val_<metric>. */
  readonly history: Record<string, number[]> = {};
  /** Warnings raised during fit (also sent to callbacks' onWarning and the progress output). */
  readonly warnings: string[] = [];
  params: { epochs: number; steps: number; samples: number; batchSize: number } = { epochs: 0, steps: 0, samples: 0, batchSize: 0 };

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

const EPOCH_YIELD_MS = 50;
/** A batch loss this many times the lowest one of the fit so far is reported as divergence. */
const LOSS_GROWTH = 1e3;
/** Losses below this count as this much when comparing (a loss near zero may grow harmlessly). */
const LOSS_FLOOR = 1e-2;

export abstract class LayersModel {
  readonly name: string;
  readonly seed: number;
  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  stopTraining = false;
  #engine: Engine;
  readonly #rng: Rng;
  readonly #trainRng: Rng;
  #compiled?: Compiled;
  #epochs = 0;
  #pendingOptimizer?: OptimizerState;
  #disposed = false;
  /** Held for each training step and each whole read (predict, evaluate, save, getWeights). */
  readonly #lock = new Mutex();
  /** The training call in progress ('fit' or 'trainOnBatch'), if any. */
  #training: string | undefined;

  /** `where`: the factory's name for messages ('sequential', 'model'). */
  protected constructor(options: ModelOptions, where: string, example: string) {
    if (!options || typeof options !== 'object' || !options.backend) throw new ConfigError(`${where}: pass { backend } first, e.g. ${example}.`);
    const b = options.backend;
    this.#engine = b instanceof Engine ? b : createEngine(b);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    if (!Number.isSafeInteger(seed)) throw new ConfigError(`${where}: seed must be an integer, got ${seed}.`);
    this.seed = seed;
    this.#rng = new Rng(seed);
    this.#trainRng = this.#rng.fork('train');
    this.name = options.name ?? where;
  }

  // ---- what a topology provides --------------------------------------------------------------

  /** Every layer, each once, in graph order. */
  abstract readonly layers: Layer[];
  /** The graph once built (weights exist). */
  protected abstract get graph(): LayerGraph | undefined;
  /** The output names (for per-output losses, metrics and logs). */
  abstract get outputNames(): string[];
  /** Output shapes without the batch axis, once known. */
  protected abstract knownOutputShapes(): (SymShape | undefined)[];
  /** The model inputs of `x`, checked (builds the model from them when its input shape was unknown). */
  protected abstract hostInputs(x: unknown, where: string): HostTensor[];
  /** The layer producing output `i` (for messages). */
  protected abstract outputLayer(i: number): Layer;
  /** Builds when the input shape is known (a Sequential whose first layer has an inputShape). */
  protected autoBuild(): void {}
  /** The plain record saving writes (topology part). */
  protected abstract topologyRecord(): Pick<ModelRecord, 'className' | 'topology'>;

  get engine(): Engine {
    return this.#engine;
  }

  get backend(): Backend {
    return this.#engine.backend;
  }

  get built(): boolean {
    return this.graph !== undefined;
  }

  /** The compiled optimizer, if any. */
  get optimizer(): Optimizer | undefined {
    return this.#compiled?.optimizer;
  }

  /** Epochs trained so far (saved with the model). */
  get epochsTrained(): number {
    return this.#epochs;
  }

  /** Every weight, in layer order: what the optimizer updates. */
  get params(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }

  /** @internal The engine-side Rng of weight initialisation (a fork per layer). */
  protected get initRng(): Rng {
    return this.#rng;
  }

  protected alive(where: string): void {
    if (this.#disposed) throw new StateError(`${where}: the model was disposed.`);
  }

  /**
   * Concurrency: training calls do not overlap (a second fit or trainOnBatch is a
   * ModelBusyError naming the running one); reads wait for the current training step, so they
   * see one step's weights; calls that replace weights or the optimizer refuse while a step or a
   * read is in flight. Rejecting a second training call rather than queueing it: two loops on one
   * model share one optimizer and no serial order was asked for, so it is almost always a bug
   * (a double click, a missing await), and a queue would hide it and train twice.
   */
  async #asTraining<T>(where: string, f: () => Promise<T>): Promise<T> {
    if (this.#training) throw new ModelBusyError(where, this.#training);
    this.#training = where;
    try {
      return await f();
    } finally {
      this.#training = undefined;
    }
  }

  /** Refuses a call that replaces weights or the optimizer while a step or a read is in flight. */
  protected idle(where: string, alsoDuringTraining: boolean): void {
    if (alsoDuringTraining && this.#training) throw new ModelBusyError(where, this.#training);
    if (this.#lock.busy) throw new ModelBusyError(where, this.#training ? `a training step of ${this.#training}` : 'a read (predict, evaluate, save or getWeights)');
  }

  /** Runs `f` holding the model's lock (one training step or one whole read at a time). */
  protected locked<T>(f: () => Promise<T>): Promise<T> {
    return this.#lock.run(f);
  }

  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new ConfigError(`getLayer: no layer named '${name}'; layers: ${this.layers.map((x) => x.name).join(', ')}.`);
    return l;
  }

  // ---- compile --------------------------------------------------------------------------------

  compile(options: CompileOptions): void {
    this.alive('compile');
    this.idle('compile', true);
    if (!options || typeof options !== 'object') throw new ConfigError('compile: pass { loss, optimizer, metrics? }.');
    const outputs = this.outputNames;
    const { losses, lossConfig } = resolveLosses(options.loss, outputs);
    if (!options.optimizer) throw new ConfigError("compile: optimizer is required, e.g. optimizers.adam({ learningRate: 1e-3 }) or 'adam'.");
    const optimizer = typeof options.optimizer === 'string' ? optimizerByName(options.optimizer) : options.optimizer;
    if (typeof optimizer.step !== 'function') throw new ConfigError('compile: optimizer must be an optimizer from optimizers.* or a name.');
    this.autoBuild();
    const shapes = this.knownOutputShapes();
    const units = outputUnits(shapes);
    const metrics = resolveOutputMetrics(options.metrics, losses, units, outputs);
    losses.forEach((loss, i) => {
      if (shapes[i] && (loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy') && units[i] === 1)
        throw new ConfigError(
          `compile: ${loss.name} needs one output unit per class, but '${this.outputLayer(i).name}' outputs 1. ` +
            'For a yes/no target use binaryCrossentropy with a 1-unit sigmoid layer.',
        );
    });
    if (this.#compiled && this.#compiled.optimizer !== optimizer) this.#compiled.optimizer.dispose();
    this.#compiled = { losses, lossConfig, metrics, metricNames: (options.metrics ?? []) as MetricName[], optimizer };
    if (this.#pendingOptimizer && this.#pendingOptimizer.name === optimizer.name) {
      optimizer.setState(this.#pendingOptimizer, this.params);
      this.#pendingOptimizer = undefined;
    }
  }

  #requireCompiled(where: string): Compiled {
    if (!this.#compiled) throw new ConfigError(`${where}: compile the model first: model.compile({ loss, optimizer, metrics }).`);
    return this.#compiled;
  }

  /**
   * @internal The compile settings (exporters read them): `loss` is the first output's (the
   * only one of a Sequential), `losses` one per output, `metrics` the names given to compile.
   */
  get compiledConfig(): { loss: ResolvedLoss; losses: ResolvedLoss[]; metrics: MetricName[] } | undefined {
    const c = this.#compiled;
    return c ? { loss: c.losses[0], losses: [...c.losses], metrics: [...c.metricNames] } : undefined;
  }

  // ---- data -------------------------------------------------------------------------------------

  /** Splits `data` into one entry per name (one input: the data itself; several: a list or an object by name). */
  protected perName(data: unknown, names: readonly string[], what: string, where: string): InputData[] {
    if (names.length === 1) {
      if (typeof data === 'object' && data !== null && !Array.isArray(data) && !isHostTensor(data) && Object.hasOwn(data, names[0]))
        return [(data as Record<string, InputData>)[names[0]]];
      return [data as InputData];
    }
    if (Array.isArray(data)) {
      if (data.length !== names.length)
        throw new ConfigError(`${where}: the model has ${names.length} ${what}s (${names.join(', ')}); pass a list of ${names.length}, or an object by name. Got a list of ${data.length}.`);
      return data as InputData[];
    }
    if (typeof data === 'object' && data !== null && !isHostTensor(data)) {
      const r = data as Record<string, InputData>;
      for (const k of Object.keys(r)) if (!names.includes(k)) throw new ConfigError(`${where}: no ${what} named '${k}'; ${what}s: ${names.join(', ')}.`);
      return names.map((n) => {
        if (!Object.hasOwn(r, n)) throw new ConfigError(`${where}: ${what} '${n}' is missing; give every ${what}: ${names.join(', ')}.`);
        return r[n];
      });
    }
    throw new ConfigError(`${where}: the model has ${names.length} ${what}s (${names.join(', ')}); pass a list or an object by name.`);
  }

  /** The concrete output shapes for inputs `xs`. */
  #outputsFor(xs: HostTensor[]): number[][] {
    return this.graph!.outputShapesFor(xs.map((x) => x.shape));
  }

  #prepare(x: unknown, y: unknown, initialState: InitialStates | undefined, where: string): Prepared {
    const c = this.#requireCompiled(where);
    const xs = this.hostInputs(x, where);
    const N = xs[0].shape[0];
    const outputs = this.outputNames;
    const Ys = this.perName(y, outputs, 'output', where).map((v, i) => toHost(v, outputs.length > 1 ? `${where} y['${outputs[i]}']` : `${where} y`));
    for (const Y of Ys)
      if (Y.shape[0] !== N)
        throw new ShapeError(`${where} y`, Y.shape, `[${N}, ...] (one target per sample of x)`, `x has ${N} samples, y has ${Y.shape[0]}.`);
    const outs = this.#outputsFor(xs);
    const ys = prepareAllTargets(c, Ys, outs, outputs, where);
    c.metrics = resolveOutputMetrics(c.metricNames, c.losses, outs.map((o) => o[o.length - 1]), outputs);
    return { xs, ys, init: this.#prepareStates(initialState, N, where) };
  }

  #prepareStates(init: InitialStates | undefined, N: number, where: string): Prepared['init'] {
    if (!init) return undefined;
    if (typeof init !== 'object') throw new ConfigError(`${where}: initialState must be { [layerName]: [h] or [h, c] }.`);
    const names = Object.keys(init);
    const states = names.map((name) => {
      this.getLayer(name);
      const list = init[name];
      if (!Array.isArray(list) || (list.length > 0 && !Array.isArray(list[0]) && !isHostTensor(list[0])))
        throw new ConfigError(`${where}: initialState['${name}'] must be a list of states ([h] or [h, c]), each [samples, units].`);
      return list.map((s, i) => {
        const h = toHost(s, `${where} initialState['${name}'][${i}]`);
        if (h.shape.length !== 2 || h.shape[0] !== N)
          throw new ShapeError(`${where} initialState['${name}'][${i}]`, h.shape, `[${N}, units] (one state row per sample)`);
        return h;
      });
    });
    return { names, states };
  }

  // ---- training ---------------------------------------------------------------------------------

  #step(b: Prepared, pos: { epoch: number; batch: number }, observe?: RecurrentObserver): Promise<StepResult> {
    const m = { engine: this.#engine, graph: this.graph!, params: this.params, compiled: this.#compiled!, rng: this.#trainRng, outputNames: this.outputNames };
    return trainStep(m, { xs: b.xs, ys: b.ys, init: stateTensors(this.#engine, b), observe }, pos);
  }

  /** Trains for a number of epochs; resolves to the History of loss and metrics per epoch. */
  async fit(x: ModelData, y: ModelData, options: FitOptions = {}): Promise<History> {
    this.alive('fit');
    const where = 'fit';
    const o = options ?? {};
    const epochs = o.epochs ?? 1;
    const batchSize = o.batchSize ?? 32;
    const initialEpoch = o.initialEpoch ?? 0;
    if (!Number.isInteger(epochs) || epochs < 0) throw new ConfigError(`${where}: epochs must be an integer >= 0, got ${epochs}.`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`${where}: batchSize must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ConfigError(`${where}: initialEpoch must be an integer >= 0.`);
    const shuffle = o.shuffle ?? true;
    const all = this.#prepare(x, y, o.initialState, where);
    let train = all;
    let val: Prepared | undefined;
    if (o.validationData !== undefined) {
      if (!Array.isArray(o.validationData) || o.validationData.length !== 2)
        throw new ConfigError(`${where}: validationData must be [xVal, yVal].`);
      val = this.#prepare(o.validationData[0], o.validationData[1], undefined, `${where} validationData`);
    } else if (o.validationSplit !== undefined) {
      const s = o.validationSplit;
      if (typeof s !== 'number' || !(s > 0 && s < 1)) throw new ConfigError(`${where}: validationSplit must be a number in (0, 1), got ${String(s)}.`);
      const N = all.xs[0].shape[0];
      const nVal = Math.floor(N * s);
      if (nVal < 1 || nVal >= N)
        throw new ConfigError(`${where}: validationSplit ${s} of ${N} samples leaves ${nVal} validation and ${N - nVal} training samples; both need at least one.`);
      train = sliceSamples(all, 0, N - nVal);
      val = sliceSamples(all, N - nVal, N);
    }
    const N = train.xs[0].shape[0];
    const steps = Math.ceil(N / batchSize);
    const history = new History();
    history.params = { epochs, steps, samples: N, batchSize };
    const user = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
    const stream = o.progressStream ?? defaultProgressStream();
    const verbose = o.verbose === undefined || o.verbose === 'auto' ? (stream.isTTY ? 1 : 0) : o.verbose;
    if (![0, 1, 2].includes(verbose)) throw new ConfigError(`${where}: verbose must be 0, 1, 2 or 'auto', got ${String(o.verbose)}.`);
    const list = [...(verbose ? [new ProgressBar(stream, verbose as 1 | 2, epochs, steps)] : []), ...user];
    return this.#asTraining(where, () => this.#fitLoop({ train, val, epochs, batchSize, initialEpoch, shuffle, list, history }));
  }

  async #fitLoop(f: {
    train: Prepared;
    val: Prepared | undefined;
    epochs: number;
    batchSize: number;
    initialEpoch: number;
    shuffle: boolean;
    list: Callback[];
    history: History;
  }): Promise<History> {
    const { train, val, epochs, batchSize, initialEpoch, shuffle, history } = f;
    const N = train.xs[0].shape[0];
    const callbacks = new CallbackList(f.list, this);
    this.stopTraining = false;
    await callbacks.trainBegin({});
    let lastYield = Date.now();
    // Divergence that stays finite (Adam at a huge learning rate can sit at a loss of 1e11):
    // warn once when a batch loss exceeds LOSS_GROWTH times the lowest one so far.
    let lowest = Number.POSITIVE_INFINITY;
    let warned = false;
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await callbacks.epochBegin(epoch, {});
      const order = Array.from({ length: N }, (_, i) => i);
      if (shuffle) this.#trainRng.shuffle(order);
      const totals = new Totals();
      let seen = 0;
      let b = 0;
      for (const rows of batches(N, batchSize, order)) {
        if (this.stopTraining) break;
        await callbacks.batchBegin(b, { batch: b, size: rows.length });
        const batch = takeBatch(train, rows, !shuffle);
        const r = await this.locked(() => this.#step(batch, { epoch, batch: b }));
        totals.add('loss', { sum: r.loss * r.rows, count: r.rows });
        totals.addAll(r.parts);
        seen += rows.length;
        const logs: Logs = { batch: b, size: rows.length, loss: r.loss };
        if (!warned && r.loss > LOSS_GROWTH * Math.max(lowest, LOSS_FLOOR)) {
          warned = true;
          const message =
            `the loss grew from ${lowest.toPrecision(4)} to ${r.loss.toPrecision(4)} (${(r.loss / lowest).toExponential(1)} times) ` +
            `by epoch ${epoch + 1}, batch ${b + 1}: training is diverging. Lower the learning rate, clip gradients ` +
            '(optimizers.adam({ clipNorm: 1 })) or scale the inputs.';
          history.warnings.push(message);
          await callbacks.warning(message, { epoch, batch: b, loss: r.loss, lowest });
        }
        lowest = Math.min(lowest, r.loss);
        for (const [k, s] of Object.entries(r.parts)) logs[k] = mean(s);
        await callbacks.batchEnd(b, logs);
        if (Date.now() - lastYield > EPOCH_YIELD_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = Date.now();
        }
        b++;
      }
      if (seen === 0) break;
      const logs: Logs = totals.means();
      if (val) {
        const v = await this.locked(() => this.#evaluateData(val, batchSize));
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      this.#epochs++;
      history.record(epoch, logs);
      await callbacks.epochEnd(epoch, logs);
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = Date.now();
    }
    await callbacks.trainEnd({});
    return history;
  }

  /**
   * One optimizer step on one batch; resolves to the batch's loss and metrics. With `observe`, it
   * is called (before this resolves) with the gradient norm reaching each step of every recurrent
   * layer (`inspect`'s `gradNorm`; no states or gates) from this step's own backward pass: the
   * gradients the optimizer just applied, without a second pass.
   */
  async trainOnBatch(x: ModelData, y: ModelData, options: TrainOnBatchOptions = {}): Promise<Logs> {
    this.alive('trainOnBatch');
    if (options.observe !== undefined && typeof options.observe !== 'function')
      throw new ConfigError('trainOnBatch: observe must be a function (inspection) => void, called with the step\'s per-step gradient norms.');
    const p = this.#prepare(x, y, options.initialState, 'trainOnBatch');
    const rec = options.observe ? recordLayers(this.#engine, { states: false, gates: false, grads: true }) : undefined;
    let r: StepResult;
    let layers: LayerInspection[] | undefined;
    try {
      r = await this.#asTraining('trainOnBatch', () =>
        this.locked(async () => {
          const out = await this.#step(p, { epoch: 0, batch: 0 }, rec?.observe);
          layers = await rec?.read(p.xs[0].shape[0]);
          return out;
        }),
      );
    } finally {
      rec?.dispose();
    }
    if (options.observe && layers) options.observe({ loss: r.loss, layers });
    const logs: Logs = { loss: r.loss };
    for (const [k, s] of Object.entries(r.parts)) logs[k] = mean(s);
    return logs;
  }

  /** Loss and metrics over x, y (inference: no dropout), in batches. */
  async evaluate(x: ModelData, y: ModelData, options: EvaluateOptions = {}): Promise<Logs> {
    this.alive('evaluate');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`evaluate: batchSize must be a positive integer, got ${batchSize}.`);
    const p = this.#prepare(x, y, options.initialState, 'evaluate');
    return this.locked(() => this.#evaluateData(p, batchSize));
  }

  /** Inference over batches: loss and metric sums (evaluate, validation). */
  async #evaluateData(p: Prepared, batchSize: number): Promise<Logs> {
    const c = this.#compiled!;
    const totals = new Totals();
    totals.add('loss', { sum: 0, count: 0 });
    const wantPreds = c.metrics.some((ms) => ms.length > 0);
    let rows: number[] = [];
    let masks: (SeqMask | undefined)[] = [];
    await inferBatches(
      this.#engine,
      this.graph!,
      p,
      batchSize,
      (run, b) => {
        const L = graphLoss(this.#engine, c, run, b.ys);
        const each = L.each.length > 1 ? L.each : [];
        rows = [L.rows, ...each.map((l) => l.rows)];
        masks = run.outputs.map((o) => o.out.mask);
        return [L.value, ...each.map((l) => l.value), ...run.outputs.map((o) => o.out.t)];
      },
      async (ts, b) => {
        const values = await Promise.all(ts.slice(0, rows.length).map(async (v) => (await v.data())[0]));
        totals.add('loss', { sum: values[0] * rows[0], count: rows[0] });
        const outs = ts.slice(rows.length);
        const preds = wantPreds ? await Promise.all(outs.map(async (t, i) => ({ data: await t.data(), shape: t.shape, mask: masks[i] }))) : [];
        const outputLosses = values.length > 1 ? values.slice(1).map((value, i) => ({ value, rows: rows[i + 1] })) : undefined;
        totals.addAll(batchParts(c, this.outputNames, b.ys, preds, outputLosses));
      },
    );
    return totals.means();
  }

  /**
   * Outputs (and, with `withStates`, the last node's states) for x, in batches, on the host.
   * The base of predict: a Sequential adds its last layer's states, a functional model returns its outputs.
   */
  protected async predictAll(x: unknown, options: PredictOptions, withStates: boolean): Promise<{ outputs: Prediction[]; states: HostTensor[] }> {
    this.alive('predict');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`predict: batchSize must be a positive integer, got ${batchSize}.`);
    const xs = this.hostInputs(x, 'predict');
    const N = xs[0].shape[0];
    const p: Prepared = { xs, ys: [], init: this.#prepareStates(options.initialState, N, 'predict') };
    return this.locked(async () => {
      const chunks: (Float32Array | Float64Array)[][] = [];
      let shapes: number[][] = [];
      let nOut = 0;
      await inferBatches(
        this.#engine,
        this.graph!,
        p,
        batchSize,
        (run) => {
          const outs = run.outputs.map((o) => o.out.t);
          nOut = outs.length;
          return withStates ? [...outs, ...(run.calls[run.calls.length - 1].states ?? [])] : outs;
        },
        async (ts) => {
          shapes = ts.map((t) => [...t.shape]);
          chunks.push(await Promise.all(ts.map((t) => t.data())));
        },
      );
      const all = shapes.map((s, i) => ({ data: join(chunks.map((c) => c[i])), shape: [N, ...s.slice(1)] }));
      return { outputs: all.slice(0, nOut), states: all.slice(nOut) };
    });
  }

  /** Clears the carried states of every stateful layer (the next batch starts from zeros). */
  resetStates(): void {
    for (const l of this.layers) l.resetStates();
  }

  // ---- weights ----------------------------------------------------------------------------------

  /** Copies of every weight, in layer order (names `<layer>/<weight>`). */
  async getWeights(): Promise<NamedWeight[]> {
    this.alive('getWeights');
    this.autoBuild();
    return this.locked(() => this.readWeights());
  }

  /** @internal getWeights without taking the lock (for a caller that holds it). */
  async readWeights(): Promise<NamedWeight[]> {
    const ps = this.params;
    const data = await Promise.all(ps.map((p) => p.value.data()));
    return ps.map((p, i) => ({ name: p.name, shape: [...p.value.shape], data: data[i] }));
  }

  /**
   * Replaces every weight, in getWeights order (nested arrays or { data, shape }). All values are
   * checked (count, shapes, finite) before any weight changes.
   */
  setWeights(weights: readonly (NamedWeight | InputData)[]): void {
    this.alive('setWeights');
    this.idle('setWeights', false);
    this.#replaceWeights(weights);
  }

  /**
   * @internal setWeights once the current training step or read has finished (for callbacks
   * inside fit, e.g. earlyStopping restoring the best weights while a predict started from
   * another callback is still running).
   */
  async setWeightsWhenIdle(weights: readonly (NamedWeight | InputData)[]): Promise<void> {
    this.alive('setWeights');
    await this.locked(async () => this.#replaceWeights(weights));
  }

  #replaceWeights(weights: readonly (NamedWeight | InputData)[]): void {
    this.autoBuild();
    if (!this.built) throw new ConfigError('setWeights: build the model first (give the first layer an inputShape, or call build()).');
    const ps = this.params;
    if (!Array.isArray(weights) || weights.length !== ps.length)
      throw new ShapeError(
        'setWeights',
        [Array.isArray(weights) ? weights.length : 0],
        `${ps.length} weights`,
        `In order: ${ps.map((p) => `${p.name} ${fmt(p.value.shape)}`).join(', ')}.`,
      );
    const e = this.#engine;
    const values = weights.map((w, i) => {
      const h = toHost(w as InputData, `setWeights (${ps[i].name})`);
      const want = ps[i].value.shape;
      if (h.shape.length !== want.length || h.shape.some((d, k) => d !== want[k]))
        throw new ShapeError(`setWeights (${ps[i].name})`, h.shape, fmt(want));
      return h;
    });
    const fresh = values.map((h, i) => e.keep(e.tensor(h.data, ps[i].value.shape, `setWeights (${ps[i].name})`)));
    ps.forEach((p, i) => {
      p.value.dispose();
      p.value = fresh[i];
    });
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** A table of layers, output shapes and parameter counts; printed with `print` (default console.log). */
  summary(print: ((line: string) => void) | null = console.log): string {
    this.autoBuild();
    const text = summaryText(this.summaryHead(), this.summaryRows(), this.countParams());
    if (print) for (const line of text.split('\n')) print(line);
    return text;
  }

  /** @internal summary's rows: name (type), output shape, params[, inputs]. */
  protected abstract summaryRows(): string[][];
  /** @internal summary's first line. */
  protected abstract summaryHead(): string;

  // ---- inspecting ------------------------------------------------------------------------------

  /**
   * What every recurrent layer did on one batch: states, gates and the gradient norm reaching
   * each step (see `inspect` in model/inspect.ts and the README).
   */
  async inspect(x: ModelData, y?: ModelData, options: InspectOptions = {}): Promise<Inspection> {
    this.alive('inspect');
    this.autoBuild();
    if (!this.built) throw new ConfigError('inspect: the model is not built; give its first layer an inputShape (or fit it once) first.');
    if (this.layers.some((l) => l.carriesState))
      throw new ConfigError('inspect: a stateful layer would carry this batch into its state; inspect a copy of the model built without stateful.');
    const xs = this.hostInputs(x, 'inspect');
    const c = this.#compiled;
    if (y !== undefined && !c) throw new ConfigError('inspect: y needs the loss of a compiled model; compile it first, or leave y out.');
    const ys =
      y !== undefined && c
        ? prepareAllTargets(c, this.perName(y, this.outputNames, 'output', 'inspect y').map((v) => toHost(v, 'inspect y')), this.#outputsFor(xs), this.outputNames, 'inspect y')
        : undefined;
    return this.locked(() => inspectModel({ engine: this.#engine, graph: this.graph!, compiled: c }, xs, ys, options));
  }

  // ---- saving and moving ---------------------------------------------------------------------

  /**
   * Saves to a directory path (Node), 'indexeddb://name', 'downloads://name', or an IO handler.
   * With includeOptimizer (default true) the optimizer state, step count and training Rng are
   * saved too, so fit continues after loadModel exactly as if it had not stopped.
   */
  async save(target: string | IOHandler, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    this.alive('save');
    this.autoBuild();
    const handler = resolveHandler(target, 'save');
    // A snapshot of one step's weights and optimizer state; writing it does not hold up training.
    const artifacts = await this.locked(async () => recordToArtifacts(await this.toRecord(options.includeOptimizer ?? true)));
    await handler.save!(artifacts);
  }

  /** @internal The model as a plain record (what save writes). */
  async toRecord(includeOptimizer: boolean): Promise<ModelRecord> {
    if (!this.built) throw new ConfigError('save: the model is not built yet; give the first layer an inputShape or train it first.');
    const custom = this.layers.find((l) => !LAYER_CLASSES.includes(l.className));
    if (custom)
      throw new ConfigError(
        `save: layer '${custom.name}' is a custom ${custom.className} layer, which loadModel could not rebuild; save its weights with getWeights() and rebuild the model in code.`,
      );
    const opt = this.optimizer;
    return {
      ...this.topologyRecord(),
      name: this.name,
      seed: this.seed,
      weights: await this.readWeights(),
      training: {
        epochs: this.#epochs,
        rng: this.#trainRng.getState(),
        compiled: this.#compiled ? { loss: this.#compiled.lossConfig, metrics: [...this.#compiled.metricNames] } : undefined,
        optimizer: includeOptimizer && opt ? await opt.getState() : undefined,
      },
    };
  }

  /** @internal Training state for saving. */
  trainingState(): { epochs: number; rng: ReturnType<Rng['getState']> } {
    return { epochs: this.#epochs, rng: this.#trainRng.getState() };
  }

  /** @internal Restores training state after loading. */
  restoreTraining(state: { epochs: number; rng: ReturnType<Rng['getState']> }, optimizer: OptimizerState | undefined): void {
    this.#epochs = state.epochs;
    this.#trainRng.setState(state.rng);
    this.#pendingOptimizer = optimizer;
    if (optimizer && this.#compiled && this.#compiled.optimizer.name === optimizer.name) {
      this.#compiled.optimizer.setState(optimizer, this.params);
      this.#pendingOptimizer = undefined;
    }
  }

  /**
   * Moves the model (weights, optimizer state, carried states) to another backend. The old
   * tensors are freed; predictions are the same up to the backends' precision.
   */
  async toBackend(backend: Backend | Engine): Promise<this> {
    this.alive('toBackend');
    this.idle('toBackend', true);
    return this.locked(async () => {
      const next = backend instanceof Engine ? backend : createEngine(backend);
      if (next === this.#engine) return this;
      await moveToBackend(next, this.params, this.layers, this.#compiled?.optimizer);
      this.#engine = next;
      return this;
    });
  }

  /** Frees every tensor the model holds (weights, optimizer slots, states). */
  dispose(): void {
    if (this.#disposed) return;
    for (const p of this.params) p.value.dispose();
    for (const l of this.layers) l.disposeStates();
    this.#compiled?.optimizer.dispose();
    this.#disposed = true;
  }
}
