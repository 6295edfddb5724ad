/**
 * The Sequential model: a stack of layers on one engine, with Keras's compile / fit /
 * evaluate / predict, weights as plain values, saving, and moving between backends.
 *
 * Every batch runs inside one engine.scope: forward, loss, backward, then the per-layer
 * gradient norms are read back (one read, with the loss) before the optimizer step, so a
 * non-finite gradient stops training with the weights untouched. Weights, optimizer slots and
 * stateful layers' states are the only tensors that outlive a call.
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
  type Tensor,
} from '@recurrent/core';
import { type Callback, CallbackList, type Logs } from '../callbacks/callback.js';
import { defaultProgressStream, ProgressBar, type ProgressStream } from '../callbacks/progress-bar.js';
import { ModelBusyError, TrainingDivergedError } from '../errors.js';
import { Mutex } from '../internal/mutex.js';
import { type HostTensor, type InputData, isHostTensor, sliceRows, takeRows, toHost } from '../inputs.js';
import type { IOHandler } from '../io/handler.js';
import { resolveHandler } from '../io/resolve.js';
import type { Activation, CallContext, Layer, LayerCall } from '../layers/layer.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { SeqMask } from '../internal/mask.js';
import { fits, fmt, fmtBatched, type SymShape } from '../internal/shape.js';
import { batchLoss, prepareTargets, type ResolvedLoss, resolveLoss } from './losses.js';
import { type Metric, type MetricName, metricSums, resolveMetrics } from './metrics.js';
import { optimizerByName } from './optimizer-config.js';
import { modelToArtifacts } from './serialize.js';
import { summaryText } from './summary.js';
import type { NamedWeight } from './weights.js';

export interface SequentialOptions {
  /** The backend to run on (or an engine already created over one). */
  backend: Backend | Engine;
  /** Seed of weight initialisation, shuffling and dropout. Default: a random seed (see `seed`). */
  seed?: number;
  name?: string;
}

export interface CompileOptions {
  /** A loss name or { name, fromLogits }. */
  loss: string | { name: string; fromLogits?: boolean };
  /** An optimizer (optimizers.adam({ learningRate })) or a name with Keras's defaults. */
  optimizer: Optimizer | 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';
  metrics?: MetricName[];
}

/** Initial states by layer name: [h] or [h, c] per layer, each [samples, units]. */
export type InitialStates = Record<string, InputData[]>;

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Shuffle the training samples before each epoch, with the model's seeded Rng. Default true. */
  shuffle?: boolean;
  /** Hold out this fraction of the samples (the last ones, before shuffling) for validation. */
  validationSplit?: number;
  validationData?: [InputData, InputData];
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

/** A prediction: values on the host; `states` when the last layer has returnState. */
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

interface Compiled {
  loss: ResolvedLoss;
  metrics: Metric[];
  metricNames: MetricName[];
  optimizer: Optimizer;
}

interface Prepared {
  x: HostTensor;
  y: HostTensor;
  init?: HostTensor[][];
  initNames?: string[];
}

const EPOCH_YIELD_MS = 50;

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  readonly seed: number;
  /** Set to true (e.g. from a callback) to end fit after the current batch. */
  stopTraining = false;
  #engine: Engine;
  #rng: Rng;
  #trainRng: Rng;
  #inputShape?: SymShape;
  #built = false;
  #compiled?: Compiled;
  #epochs = 0;
  #pendingOptimizer?: OptimizerState;
  #disposed = false;
  /** Held for each training step and each whole read (predict, evaluate, save, getWeights). */
  #lock = new Mutex();
  /** The training call in progress ('fit' or 'trainOnBatch'), if any. */
  #training: string | undefined;

  constructor(options: SequentialOptions, layers: Layer[] = []) {
    if (!options || typeof options !== 'object' || !options.backend)
      throw new ConfigError('sequential: pass { backend } first, e.g. sequential({ backend: createCpuBackend(), seed: 42 }, [layers...]).');
    const b = options.backend;
    this.#engine = b instanceof Engine ? b : createEngine(b);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    if (!Number.isSafeInteger(seed)) throw new ConfigError(`sequential: seed must be an integer, got ${seed}.`);
    this.seed = seed;
    this.#rng = new Rng(seed);
    this.#trainRng = this.#rng.fork('train');
    this.name = options.name ?? 'sequential';
    if (!Array.isArray(layers)) throw new ConfigError('sequential: the second argument is the list of layers.');
    for (const l of layers) this.add(l);
    this.#autoBuild();
  }

  /** Builds as soon as the input shape is known from the first layer. */
  #autoBuild(): void {
    if (!this.#built && this.layers[0]?.inputShape) this.build();
  }

  get engine(): Engine {
    return this.#engine;
  }

  get backend(): Backend {
    return this.#engine.backend;
  }

  /** Input shape without the batch axis, once known. */
  get inputShape(): SymShape | undefined {
    return this.#inputShape;
  }

  get outputShape(): SymShape | undefined {
    return this.layers[this.layers.length - 1]?.builtOutput;
  }

  get built(): boolean {
    return this.#built;
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

  #alive(where: string): void {
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
  #idle(where: string, alsoDuringTraining: boolean): void {
    if (alsoDuringTraining && this.#training) throw new ModelBusyError(where, this.#training);
    if (this.#lock.busy) throw new ModelBusyError(where, this.#training ? `a training step of ${this.#training}` : 'a read (predict, evaluate, save or getWeights)');
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): void {
    this.#alive('add');
    if (!layer || typeof (layer as Layer).call !== 'function')
      throw new ConfigError(`sequential: expected a layer (layers.dense(...), layers.lstm(...)), got ${String(layer)}.`);
    if (this.#built) throw new ConfigError(`sequential: cannot add '${layer.name}' to a built model.`);
    if (this.layers.includes(layer)) throw new ConfigError(`sequential: layer '${layer.name}' is already in the model.`);
    if (layer.builtOutput || layer.params.length)
      throw new ConfigError(`sequential: layer '${layer.name}' already belongs to another model; create a new layer (weights are not shared between models).`);
    const taken = new Set(this.layers.map((l) => l.name));
    if (taken.has(layer.name)) {
      if (layer.nameGiven) throw new ConfigError(`sequential: two layers are named '${layer.name}'; layer names must be unique.`);
      let k = 1;
      while (taken.has(`${layer.name}_${k}`)) k++;
      layer.name = `${layer.name}_${k}`;
    }
    this.layers.push(layer);
  }

  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new ConfigError(`getLayer: no layer named '${name}'; layers: ${this.layers.map((x) => x.name).join(', ')}.`);
    return l;
  }

  // ---- building -------------------------------------------------------------------------------

  /** Creates the weights for an input shape (default: the first layer's inputShape). */
  build(inputShape?: (number | null)[]): void {
    this.#alive('build');
    const shape = inputShape ?? this.layers[0]?.inputShape;
    if (!shape)
      throw new ConfigError('sequential: the input shape is unknown; give the first layer an inputShape (e.g. [null, 1]) or call fit/predict.');
    this.buildWith(shape, undefined);
  }

  /** @internal Builds with given weight values (loading) or fresh initialisers. */
  buildWith(inputShape: SymShape, values: ((name: string, shape: number[]) => ArrayLike<number>) | undefined): void {
    if (this.#built) {
      if (fmt(inputShape) !== fmt(this.#inputShape!))
        throw new ConfigError(`sequential: already built for input ${fmt(this.#inputShape!)}, not ${fmt(inputShape)}.`);
      return;
    }
    if (this.layers.length === 0) throw new ConfigError('sequential: the model has no layers.');
    this.#checkStructure();
    const e = this.#engine;
    const allocated: Tensor[] = [];
    try {
      let shape: SymShape = inputShape;
      const perLayer: Param[][] = [];
      for (const layer of this.layers) {
        const specs = layer.weightSpecs(shape);
        const out = layer.computeOutputShape(shape);
        const rng = this.#rng.fork(`init/${layer.name}`);
        perLayer.push(
          specs.map((s) => {
            const name = `${layer.name}/${s.name}`;
            const v = values ? values(name, s.shape) : s.init(rng);
            const t = e.keep(e.tensor(v, s.shape, `${name} (initial value)`));
            allocated.push(t);
            return { name, value: t };
          }),
        );
        layer.builtInput = shape;
        layer.builtOutput = out;
        shape = out;
      }
      this.layers.forEach((l, i) => l.setParams(perLayer[i]));
    } catch (err) {
      for (const t of allocated) t.dispose();
      for (const l of this.layers) {
        l.builtInput = undefined;
        l.builtOutput = undefined;
      }
      throw err;
    }
    this.#inputShape = [...inputShape];
    this.#built = true;
  }

  #checkStructure(): void {
    this.layers.forEach((l, i) => {
      if (l.className === 'Embedding' && i > 0)
        throw new ConfigError(`sequential: embedding '${l.name}' must be the first layer (it reads integer indices).`);
      const returnsState = (l instanceof RecurrentLayer || l instanceof Bidirectional) && l.returnState;
      if (returnsState && i < this.layers.length - 1)
        throw new ConfigError(
          `sequential: '${l.name}' has returnState but is followed by '${this.layers[i + 1].name}'. Only the last layer may return ` +
            'its states (predict returns them as prediction.states); use returnSequences to feed the next layer.',
        );
    });
  }

  /** Builds from the first batch of data when no inputShape was given. */
  #ensureBuilt(x: HostTensor): void {
    this.#autoBuild();
    if (this.#built) return;
    const shape: (number | null)[] = x.shape.slice(1);
    const first = this.layers[0];
    if (shape.length >= 2 || first?.className === 'Embedding') shape[0] = null;
    this.buildWith(shape, undefined);
  }

  #checkX(x: HostTensor, where: string): void {
    const want = this.#inputShape!;
    const got = x.shape;
    if (got.length !== want.length + 1 || !fits(got.slice(1), want)) {
      let hint = `The model's input is ${fmtBatched(want)} (inputShape ${fmt(want)} of '${this.layers[0].name}').`;
      if (got.length === want.length) {
        if (want.length === 2 && want[1] === 1)
          hint += ' If these are [samples, steps], each step needs a feature axis: [samples, steps, 1] (e.g. [[0.1], [0.2], ...] per sample).';
        hint += ' If this is one sample, the batch axis is missing: wrap it in an array.';
      }
      throw new ShapeError(where, got, fmtBatched(want), hint);
    }
    if (got[0] < 1) throw new ShapeError(where, got, `${fmtBatched(want)} with at least one sample`);
  }

  /** The concrete output shape for an input of shape `x` ([N, ...]). */
  #outputFor(x: readonly number[]): number[] {
    const out = this.outputShape!;
    return [x[0], ...out.map((d, i) => d ?? x[i + 1])];
  }

  // ---- compile --------------------------------------------------------------------------------

  compile(options: CompileOptions): void {
    this.#alive('compile');
    this.#idle('compile', true);
    if (!options || typeof options !== 'object') throw new ConfigError('compile: pass { loss, optimizer, metrics? }.');
    const loss = resolveLoss(options.loss);
    if (!options.optimizer) throw new ConfigError("compile: optimizer is required, e.g. optimizers.adam({ learningRate: 1e-3 }) or 'adam'.");
    const optimizer = typeof options.optimizer === 'string' ? optimizerByName(options.optimizer) : options.optimizer;
    if (typeof optimizer.step !== 'function') throw new ConfigError('compile: optimizer must be an optimizer from optimizers.* or a name.');
    this.#autoBuild();
    const out = this.outputShape;
    const units = out ? (out[out.length - 1] ?? 1) : 1;
    const metrics = resolveMetrics(options.metrics, loss, units);
    if (out && (loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy') && units === 1)
      throw new ConfigError(
        `compile: ${loss.name} needs one output unit per class, but '${this.layers[this.layers.length - 1].name}' outputs 1. ` +
          'For a yes/no target use binaryCrossentropy with a 1-unit sigmoid layer.',
      );
    if (this.#compiled && this.#compiled.optimizer !== optimizer) this.#compiled.optimizer.dispose();
    this.#compiled = { loss, metrics, metricNames: (options.metrics ?? []) as MetricName[], optimizer };
    if (this.#pendingOptimizer && this.#pendingOptimizer.name === optimizer.name) {
      optimizer.setState(this.#pendingOptimizer, this.params);
      this.#pendingOptimizer = undefined;
    }
  }

  #requireCompiled(where: string): Compiled {
    if (!this.#compiled) throw new ConfigError(`${where}: compile the model first: model.compile({ loss, optimizer, metrics }).`);
    return this.#compiled;
  }

  /** @internal The compile settings (for saving). */
  get compiledConfig(): { loss: ResolvedLoss; metrics: MetricName[] } | undefined {
    return this.#compiled ? { loss: this.#compiled.loss, metrics: this.#compiled.metricNames } : undefined;
  }

  // ---- data -------------------------------------------------------------------------------------

  #prepare(x: InputData, y: InputData, initialState: InitialStates | undefined, where: string): Prepared {
    const c = this.#requireCompiled(where);
    const X = toHost(x, `${where} x`);
    this.#ensureBuilt(X);
    this.#checkX(X, `${where} x`);
    const Y = toHost(y, `${where} y`);
    if (Y.shape[0] !== X.shape[0])
      throw new ShapeError(`${where} y`, Y.shape, `[${X.shape[0]}, ...] (one target per sample of x)`, `x has ${X.shape[0]} samples, y has ${Y.shape[0]}.`);
    const out = this.#outputFor(X.shape);
    const prepared = prepareTargets(c.loss, Y, out, where);
    c.metrics = resolveMetrics(c.metricNames, c.loss, out[out.length - 1]);
    return { x: X, y: prepared, ...this.#prepareStates(initialState, X.shape[0], where) };
  }

  #prepareStates(init: InitialStates | undefined, N: number, where: string): { init?: HostTensor[][]; initNames?: string[] } {
    if (!init) return {};
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
    return { init: states, initNames: names };
  }

  // ---- one batch --------------------------------------------------------------------------------

  #forward(ctx: CallContext, x: HostTensor, init: Map<string, Tensor[]> | undefined): { calls: LayerCall[]; out: Activation } {
    const e = ctx.e;
    const xt = e.tensor(x.data, x.shape, 'input x');
    let mask: SeqMask | undefined;
    if (x.mask) mask = { B: x.shape[0], T: x.shape[1], valid: x.mask as Uint8Array };
    let a: Activation = { t: xt, host: x, mask };
    const calls: LayerCall[] = [];
    for (const [i, layer] of this.layers.entries()) {
      // The first layer's input is data: no gradient flows into it (rnnBackward skips a matmul).
      const c = layer.call({ ...ctx, initialState: init?.get(layer.name), inputGrad: i > 0 }, a);
      calls.push(c);
      a = c.out;
    }
    return { calls, out: a };
  }

  #stateTensors(b: Prepared | undefined, rows: ArrayLike<number> | undefined): Map<string, Tensor[]> | undefined {
    if (!b?.init || !b.initNames) return undefined;
    const e = this.#engine;
    const m = new Map<string, Tensor[]>();
    b.initNames.forEach((name, i) => {
      m.set(
        name,
        b.init![i].map((h) => {
          const part = rows ? takeRows(h, rows) : h;
          return e.tensor(part.data, part.shape, `initialState['${name}']`);
        }),
      );
    });
    return m;
  }

  /**
   * One training step on host batch data. Returns the batch loss and metric sums; throws
   * TrainingDivergedError (without updating) when the loss or a gradient is not finite.
   */
  async #trainBatch(
    xb: HostTensor,
    yb: HostTensor,
    init: Map<string, Tensor[]> | undefined,
    pos: { epoch: number; batch: number },
  ): Promise<{ loss: number; rows: number; sums: { sum: number; count: number }[] }> {
    const e = this.#engine;
    const c = this.#compiled!;
    const deferred: Tensor[] = [];
    let r: { grads: Tensor[]; perLayer: number[]; stats: Tensor; pred: Tensor; rows: number; mask?: SeqMask };
    try {
      r = e.scope(() => {
        const ctx: CallContext = { e, training: true, rng: this.#trainRng, defer: (t) => deferred.push(t) };
        const { calls, out } = this.#forward(ctx, xb, init);
        const L = batchLoss(e, c.loss, calls[calls.length - 1], yb, out.mask);
        const perLayer: Tensor[][] = new Array(this.layers.length);
        let b = L.backward();
        for (let i = this.layers.length - 1; ; i--) {
          perLayer[i] = b.grads;
          if (i === 0) break;
          if (!b.dx) throw new ConfigError(`'${this.layers[i].name}' gives no input gradient; it must be the first layer.`);
          b = calls[i - 1].backward(b.dx);
        }
        // One read for what the host checks at every step: [loss, then per layer: a non-finite flag
        // of its gradient and of its forward output]. x * 0 is NaN exactly where x is NaN or
        // infinite, so the flags cannot overflow. The gradient norms, reported only when training
        // diverged, are computed then (gradientNorms): two passes over every gradient fewer per step.
        const perLayerStats = perLayer.flatMap((gs, i) => [
          statOf(e, gs, (g) => e.affine(g, 0, 0)),
          statOf(e, [calls[i].out.t], (y) => e.affine(y, 0, 0)),
        ]);
        const parts = [L.value.reshape([1, 1]), ...perLayerStats];
        return { grads: perLayer.flat(), perLayer: perLayer.map((gs) => gs.length), stats: e.concatCols(parts), pred: out.t, rows: L.rows, mask: out.mask };
      });
    } finally {
      for (const t of deferred) t.dispose();
      for (const ts of init?.values() ?? []) for (const t of ts) t.dispose();
    }
    try {
      const stats = await r.stats.data();
      const loss = stats[0];
      const at = (i: number, k: number) => stats[1 + 2 * i + k];
      const badGrad = this.layers.map((_, i) => i).filter((i) => !Number.isFinite(at(i, 0)));
      if (!Number.isFinite(loss) || badGrad.length > 0) {
        const sums = await gradientSquares(e, r.grads, r.perLayer);
        const norms = this.layers.map((l, i) => `${l.name} ${gradientNorm(at(i, 0), sums[2 * i], sums[2 * i + 1])}`).join(', ');
        let origin: string;
        let detail: string;
        if (badGrad.length) {
          // Backpropagation runs last layer to first: the last bad layer is where it started.
          origin = this.layers[badGrad[badGrad.length - 1]].name;
          detail = Number.isFinite(loss)
            ? `the loss is finite (${loss}) but the gradient of layer '${origin}' has NaN or infinite values.`
            : `the loss is ${loss}; the gradient of layer '${origin}' went non-finite first (in backpropagation order).`;
        } else {
          // The gradients are finite: the forward pass overflowed. Name the first layer whose
          // output is not finite, or the last layer if only the loss on its output overflowed.
          const firstBadOut = this.layers.findIndex((_, i) => !Number.isFinite(at(i, 1)));
          origin = this.layers[firstBadOut >= 0 ? firstBadOut : this.layers.length - 1].name;
          detail =
            firstBadOut >= 0
              ? `the loss is ${loss}; the output of layer '${origin}' went non-finite first (in forward order).`
              : `the loss is ${loss}: it overflowed on the (finite) output of the last layer '${origin}'.`;
        }
        throw new TrainingDivergedError(pos.epoch, pos.batch, origin, loss, `${detail} Per-layer gradient norms: ${norms}.`);
      }
      c.optimizer.step(this.params, r.grads);
      let sums: { sum: number; count: number }[] = [];
      if (c.metrics.length) {
        const pred = await r.pred.data();
        const K = r.pred.shape[r.pred.shape.length - 1];
        sums = c.metrics.map((m) => metricSums(m, pred, yb.data, K, r.mask));
      }
      return { loss, rows: r.rows, sums };
    } finally {
      for (const g of r.grads) g.dispose();
      r.stats.dispose();
      r.pred.dispose();
    }
  }

  /** Inference over batches: loss and metric sums (evaluate, validation). */
  async #evaluateData(p: Prepared, batchSize: number): Promise<Logs> {
    const c = this.#compiled!;
    const e = this.#engine;
    const N = p.x.shape[0];
    let lossSum = 0;
    let rowSum = 0;
    const totals = c.metrics.map(() => ({ sum: 0, count: 0 }));
    for (let start = 0; start < N; start += batchSize) {
      const end = Math.min(N, start + batchSize);
      const xb = sliceRows(p.x, start, end);
      const yb = sliceRows(p.y, start, end);
      const init = this.#stateTensors(p, rangeRows(start, end));
      const deferred: Tensor[] = [];
      let r: { value: Tensor; pred: Tensor; rows: number; mask?: SeqMask };
      try {
        r = e.scope(() => {
          const ctx: CallContext = { e, training: false, defer: (t) => deferred.push(t) };
          const { calls, out } = this.#forward(ctx, xb, init);
          const L = batchLoss(e, c.loss, calls[calls.length - 1], yb, out.mask);
          return { value: L.value, pred: out.t, rows: L.rows, mask: out.mask };
        });
      } finally {
        for (const t of deferred) t.dispose();
        for (const ts of init?.values() ?? []) for (const t of ts) t.dispose();
      }
      try {
        const v = (await r.value.data())[0];
        lossSum += v * r.rows;
        rowSum += r.rows;
        if (c.metrics.length) {
          const pred = await r.pred.data();
          const K = r.pred.shape[r.pred.shape.length - 1];
          c.metrics.forEach((m, i) => {
            const s = metricSums(m, pred, yb.data, K, r.mask);
            totals[i].sum += s.sum;
            totals[i].count += s.count;
          });
        }
      } finally {
        r.value.dispose();
        r.pred.dispose();
      }
    }
    const logs: Logs = { loss: rowSum ? lossSum / rowSum : 0 };
    c.metrics.forEach((m, i) => {
      logs[m.key] = totals[i].count ? totals[i].sum / totals[i].count : 0;
    });
    return logs;
  }

  // ---- public training API ----------------------------------------------------------------------

  /** Trains for a number of epochs; resolves to the History of loss and metrics per epoch. */
  async fit(x: InputData, y: InputData, options: FitOptions = {}): Promise<History> {
    this.#alive('fit');
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
      const N = all.x.shape[0];
      const nVal = Math.floor(N * s);
      if (nVal < 1 || nVal >= N)
        throw new ConfigError(`${where}: validationSplit ${s} of ${N} samples leaves ${nVal} validation and ${N - nVal} training samples; both need at least one.`);
      const cut = N - nVal;
      const part = (p: Prepared, from: number, to: number): Prepared => ({
        x: sliceRows(p.x, from, to),
        y: sliceRows(p.y, from, to),
        init: p.init?.map((l) => l.map((h) => sliceRows(h, from, to))),
        initNames: p.initNames,
      });
      train = part(all, 0, cut);
      val = part(all, cut, N);
    }
    const N = train.x.shape[0];
    const steps = Math.ceil(N / batchSize);
    const history = new History();
    history.params = { epochs, steps, samples: N, batchSize };
    const user = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
    const stream = o.progressStream ?? defaultProgressStream();
    const verbose = o.verbose === undefined || o.verbose === 'auto' ? (stream.isTTY ? 1 : 0) : o.verbose;
    if (![0, 1, 2].includes(verbose)) throw new ConfigError(`${where}: verbose must be 0, 1, 2 or 'auto', got ${String(o.verbose)}.`);
    const list = [...(verbose ? [new ProgressBar(stream, verbose as 1 | 2, epochs, steps)] : []), ...user];
    return this.#asTraining(where, () => this.#fitLoop({ train, val, epochs, steps, batchSize, initialEpoch, shuffle, list, history }));
  }

  async #fitLoop(f: {
    train: Prepared;
    val: Prepared | undefined;
    epochs: number;
    steps: number;
    batchSize: number;
    initialEpoch: number;
    shuffle: boolean;
    list: Callback[];
    history: History;
  }): Promise<History> {
    const { train, val, epochs, steps, batchSize, initialEpoch, shuffle, history } = f;
    const c = this.#compiled!;
    const N = train.x.shape[0];
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
      let lossSum = 0;
      let rowSum = 0;
      let seen = 0;
      let sampleLoss = 0;
      const totals = c.metrics.map(() => ({ sum: 0, count: 0 }));
      for (let b = 0; b < steps && !this.stopTraining; b++) {
        const rows = order.slice(b * batchSize, (b + 1) * batchSize);
        await callbacks.batchBegin(b, { batch: b, size: rows.length });
        const xb = shuffle ? takeRows(train.x, rows) : sliceRows(train.x, rows[0], rows[0] + rows.length);
        const yb = shuffle ? takeRows(train.y, rows) : sliceRows(train.y, rows[0], rows[0] + rows.length);
        const r = await this.#lock.run(() => this.#trainBatch(xb, yb, this.#stateTensors(train, rows), { epoch, batch: b }));
        lossSum += r.loss * r.rows;
        rowSum += r.rows;
        seen += rows.length;
        sampleLoss += r.loss * rows.length;
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
        c.metrics.forEach((m, i) => {
          totals[i].sum += r.sums[i].sum;
          totals[i].count += r.sums[i].count;
          logs[m.key] = r.sums[i].count ? r.sums[i].sum / r.sums[i].count : 0;
        });
        await callbacks.batchEnd(b, logs);
        if (Date.now() - lastYield > EPOCH_YIELD_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = Date.now();
        }
      }
      if (seen === 0) break;
      const logs: Logs = { loss: rowSum ? lossSum / rowSum : sampleLoss / seen };
      c.metrics.forEach((m, i) => {
        logs[m.key] = totals[i].count ? totals[i].sum / totals[i].count : 0;
      });
      if (val) {
        const v = await this.#lock.run(() => this.#evaluateData(val, batchSize));
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

  /** One optimizer step on one batch; resolves to the batch's loss and metrics. */
  async trainOnBatch(x: InputData, y: InputData, options: { initialState?: InitialStates } = {}): Promise<Logs> {
    this.#alive('trainOnBatch');
    const p = this.#prepare(x, y, options.initialState, 'trainOnBatch');
    const r = await this.#asTraining('trainOnBatch', () => this.#lock.run(() => this.#trainBatch(p.x, p.y, this.#stateTensors(p, undefined), { epoch: 0, batch: 0 })));
    const logs: Logs = { loss: r.loss };
    this.#compiled!.metrics.forEach((m, i) => {
      logs[m.key] = r.sums[i].count ? r.sums[i].sum / r.sums[i].count : 0;
    });
    return logs;
  }

  /** Loss and metrics over x, y (inference: no dropout), in batches. */
  async evaluate(x: InputData, y: InputData, options: EvaluateOptions = {}): Promise<Logs> {
    this.#alive('evaluate');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`evaluate: batchSize must be a positive integer, got ${batchSize}.`);
    const p = this.#prepare(x, y, options.initialState, 'evaluate');
    return this.#lock.run(() => this.#evaluateData(p, batchSize));
  }

  /** The model's output for x, computed in batches; any number of samples. */
  async predict(x: InputData, options: PredictOptions = {}): Promise<Prediction> {
    this.#alive('predict');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`predict: batchSize must be a positive integer, got ${batchSize}.`);
    const X = toHost(x, 'predict x');
    this.#ensureBuilt(X);
    this.#checkX(X, 'predict x');
    const p: Prepared = { x: X, y: X, ...this.#prepareStates(options.initialState, X.shape[0], 'predict') };
    return this.#lock.run(() => this.#predictData(p, batchSize));
  }

  async #predictData(p: Prepared, batchSize: number): Promise<Prediction> {
    const X = p.x;
    const e = this.#engine;
    const N = X.shape[0];
    const chunks: (Float32Array | Float64Array)[] = [];
    const stateChunks: (Float32Array | Float64Array)[][] = [];
    let outShape: number[] = [];
    let stateShapes: number[][] = [];
    for (let start = 0; start < N; start += batchSize) {
      const end = Math.min(N, start + batchSize);
      const xb = sliceRows(X, start, end);
      const init = this.#stateTensors(p, rangeRows(start, end));
      const deferred: Tensor[] = [];
      let r: { y: Tensor; states: Tensor[] };
      try {
        r = e.scope(() => {
          const ctx: CallContext = { e, training: false, defer: (t) => deferred.push(t) };
          const { calls, out } = this.#forward(ctx, xb, init);
          return { y: out.t, states: calls[calls.length - 1].states ?? [] };
        });
      } finally {
        for (const t of deferred) t.dispose();
        for (const ts of init?.values() ?? []) for (const t of ts) t.dispose();
      }
      try {
        chunks.push(await r.y.data());
        outShape = [...r.y.shape];
        stateShapes = r.states.map((s) => [...s.shape]);
        stateChunks.push(await Promise.all(r.states.map((s) => s.data())));
      } finally {
        r.y.dispose();
        for (const s of r.states) s.dispose();
      }
    }
    const join = (parts: (Float32Array | Float64Array)[]) => {
      const n = parts.reduce((s, a) => s + a.length, 0);
      const out = parts[0] instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
      let off = 0;
      for (const a of parts) {
        out.set(a, off);
        off += a.length;
      }
      return out;
    };
    const result: Prediction = { data: join(chunks), shape: [N, ...outShape.slice(1)] };
    if (stateShapes.length)
      result.states = stateShapes.map((s, i) => ({ data: join(stateChunks.map((c) => c[i])), shape: [N, ...s.slice(1)] }));
    return result;
  }

  /** Clears the carried states of every stateful layer (the next batch starts from zeros). */
  resetStates(): void {
    for (const l of this.layers) l.resetStates();
  }

  // ---- weights ----------------------------------------------------------------------------------

  /** Copies of every weight, in layer order (names `<layer>/<weight>`). */
  async getWeights(): Promise<NamedWeight[]> {
    this.#alive('getWeights');
    this.#autoBuild();
    return this.#lock.run(() => this.readWeights());
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
    this.#alive('setWeights');
    this.#idle('setWeights', false);
    this.#replaceWeights(weights);
  }

  /**
   * @internal setWeights once the current training step or read has finished (for callbacks
   * inside fit, e.g. earlyStopping restoring the best weights while a predict started from
   * another callback is still running).
   */
  async setWeightsWhenIdle(weights: readonly (NamedWeight | InputData)[]): Promise<void> {
    this.#alive('setWeights');
    await this.#lock.run(async () => this.#replaceWeights(weights));
  }

  #replaceWeights(weights: readonly (NamedWeight | InputData)[]): void {
    this.#autoBuild();
    if (!this.#built) throw new ConfigError('setWeights: build the model first (give the first layer an inputShape, or call build()).');
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
    this.#autoBuild();
    const text = summaryText(this);
    if (print) for (const line of text.split('\n')) print(line);
    return text;
  }

  // ---- saving and moving ---------------------------------------------------------------------

  /**
   * Saves to a directory path (Node), 'indexeddb://name', 'downloads://name', or an IO handler.
   * With includeOptimizer (default true) the optimizer state, step count and training Rng are
   * saved too, so fit continues after loadModel exactly as if it had not stopped.
   */
  async save(target: string | IOHandler, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    this.#alive('save');
    this.#autoBuild();
    const handler = resolveHandler(target, 'save');
    // A snapshot of one step's weights and optimizer state; writing it does not hold up training.
    const artifacts = await this.#lock.run(() => modelToArtifacts(this, options.includeOptimizer ?? true));
    await handler.save!(artifacts);
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
    this.#alive('toBackend');
    this.#idle('toBackend', true);
    return this.#lock.run(() => this.#moveTo(backend));
  }

  async #moveTo(backend: Backend | Engine): Promise<this> {
    const next = backend instanceof Engine ? backend : createEngine(backend);
    if (next === this.#engine) return this;
    const ps = this.params;
    const values = await Promise.all(ps.map((p) => p.value.data()));
    const optState = this.#compiled && this.#compiled.optimizer.iterations > 0 ? await this.#compiled.optimizer.getState() : undefined;
    const recurrent = this.layers.flatMap((l) => (l instanceof RecurrentLayer ? [l] : l instanceof Bidirectional ? [l.forward, l.backward] : []));
    const states = await Promise.all(recurrent.map(async (l) => (l.stateTensors ? Promise.all(l.stateTensors.map(async (t) => ({ data: await t.data(), shape: [...t.shape] }))) : undefined)));
    const fresh = ps.map((p, i) => next.keep(next.tensor(values[i], p.value.shape, `toBackend (${p.name})`)));
    ps.forEach((p, i) => {
      p.value.dispose();
      p.value = fresh[i];
    });
    recurrent.forEach((l, i) => {
      l.disposeStates();
      const s = states[i];
      if (s) l.stateTensors = s.map((h) => next.keep(next.tensor(h.data, h.shape)));
    });
    this.#engine = next;
    if (this.#compiled && optState) this.#compiled.optimizer.setState(optState, ps);
    return this;
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

/** A batch loss this many times the lowest one of the fit so far is reported as divergence. */
const LOSS_GROWTH = 1e3;
/** Losses below this count as this much when comparing (a loss near zero may grow harmlessly). */
const LOSS_FLOOR = 1e-2;

/** Power-of-two scale of the overflow-free squared norm (exact in float32): 2^-80. */
const NORM_SCALE = 2 ** -80;

/** sum over `ts` of sumAll(f(t)), as a [1, 1] tensor. */
function statOf(e: Engine, ts: Tensor[], f: (t: Tensor) => Tensor): Tensor {
  return ts.reduce((acc: Tensor, t) => e.add(acc, e.sumAll(f(t))), e.zeros([])).reshape([1, 1]);
}

/**
 * Per layer (`counts[i]` gradients each, in order), the squared norm of its gradients and the
 * same scaled by NORM_SCALE: the squared norm of finite float32 values can overflow (any element
 * above 1.8e19), the scaled sum cannot, and gives the norm on the host in float64.
 */
async function gradientSquares(e: Engine, grads: Tensor[], counts: number[]): Promise<Float32Array | Float64Array> {
  const all = e.scope(() => {
    let at = 0;
    const parts = counts.flatMap((n) => {
      const gs = grads.slice(at, (at += n));
      return [statOf(e, gs, (g) => e.square(g)), statOf(e, gs, (g) => e.square(e.affine(g, NORM_SCALE, 0)))];
    });
    return e.concatCols(parts);
  });
  try {
    return await all.data();
  } finally {
    all.dispose();
  }
}

/**
 * A layer's gradient L2 norm from its device sums: `flag` (NaN when some element is not
 * finite), the squared norm and the squared norm of the gradient times NORM_SCALE. When the
 * plain sum overflowed float32, the scaled one (which cannot: (3.4e38 * 2^-80)^2 = 8e28 per
 * element) is rescaled in float64.
 */
function gradientNorm(flag: number, squares: number, scaledSquares: number): number {
  if (!Number.isFinite(flag)) return Number.NaN;
  if (Number.isFinite(squares)) return Math.sqrt(squares);
  return Math.sqrt(scaledSquares) / NORM_SCALE;
}

const rangeRows = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);

/** A Sequential model over a backend: `sequential({ backend, seed }, [layers...])`. */
export function sequential(options: SequentialOptions, layers: Layer[] = []): Sequential {
  return new Sequential(options, layers);
}
