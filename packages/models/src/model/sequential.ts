/**
 * The Sequential model: a stack of layers, each reading the previous one's output (the chain
 * graph of model/graph.ts), built as soon as the input shape is known. Everything else
 * (compile, fit, evaluate, predict, weights, save, toBackend, inspect) is LayersModel's.
 */
import { ConfigError, ShapeError } from '@recurrent/core';
import { type HostTensor, type InputData, toHost } from '../inputs.js';
import type { Layer } from '../layers/layer.js';
import { layerToJson } from '../layers/registry.js';
import { fits, fmt, fmtBatched, type SymShape } from '../internal/shape.js';
import { chainSpec, LayerGraph } from './graph.js';
import type { Logs } from '../callbacks/callback.js';
import type { Inspection, InspectOptions } from './inspect.js';
import {
  type EvaluateOptions,
  type FitOptions,
  type History,
  LayersModel,
  type ModelOptions,
  type Prediction,
  type PredictOptions,
  type TrainOnBatchOptions,
} from './layers-model.js';
import type { ModelRecord } from './serialize.js';
import { builtShape, layerLabel, thousands } from './summary.js';

export type SequentialOptions = ModelOptions;

export class Sequential extends LayersModel {
  readonly layers: Layer[] = [];
  #inputShape?: SymShape;
  #graph?: LayerGraph;

  constructor(options: SequentialOptions, layers: Layer[] = []) {
    super(options, 'sequential', 'sequential({ backend: createCpuBackend(), seed: 42 }, [layers...])');
    if (!Array.isArray(layers)) throw new ConfigError('sequential: the second argument is the list of layers.');
    for (const l of layers) this.add(l);
    this.autoBuild();
  }

  /** Builds as soon as the input shape is known from the first layer. */
  protected override autoBuild(): void {
    if (!this.#graph && this.layers[0]?.inputShape) this.build();
  }

  protected get graph(): LayerGraph | undefined {
    return this.#graph;
  }

  get outputNames(): string[] {
    return [this.layers[this.layers.length - 1]?.name ?? 'output'];
  }

  protected knownOutputShapes(): (SymShape | undefined)[] {
    return [this.outputShape];
  }

  protected outputLayer(_i: number): Layer {
    return this.layers[this.layers.length - 1];
  }

  /** Input shape without the batch axis, once known. */
  get inputShape(): SymShape | undefined {
    return this.#inputShape;
  }

  get outputShape(): SymShape | undefined {
    return this.layers[this.layers.length - 1]?.builtOutput;
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): void {
    this.alive('add');
    if (!layer || typeof (layer as Layer).call !== 'function')
      throw new ConfigError(`sequential: expected a layer (layers.dense(...), layers.lstm(...)), got ${String(layer)}.`);
    if (this.#graph) throw new ConfigError(`sequential: cannot add '${layer.name}' to a built model.`);
    if (this.layers.includes(layer)) throw new ConfigError(`sequential: layer '${layer.name}' is already in the model.`);
    if (layer.builtOutput || layer.params.length)
      throw new ConfigError(`sequential: layer '${layer.name}' already belongs to another model; create a new layer (weights are not shared between models).`);
    if (layer.multiInput)
      throw new ConfigError(`sequential: '${layer.name}' (${layer.className}) takes several inputs; use it in a functional model: ${layer.name}.apply([a, b]).`);
    const taken = new Set(this.layers.map((l) => l.name));
    if (taken.has(layer.name)) {
      if (layer.nameGiven) throw new ConfigError(`sequential: two layers are named '${layer.name}'; layer names must be unique.`);
      let k = 1;
      while (taken.has(`${layer.name}_${k}`)) k++;
      layer.name = `${layer.name}_${k}`;
    }
    this.layers.push(layer);
  }

  // ---- building -------------------------------------------------------------------------------

  /** Creates the weights for an input shape (default: the first layer's inputShape). */
  build(inputShape?: (number | null)[]): void {
    this.alive('build');
    const shape = inputShape ?? this.layers[0]?.inputShape;
    if (!shape)
      throw new ConfigError('sequential: the input shape is unknown; give the first layer an inputShape (e.g. [null, 1]) or call fit/predict.');
    this.buildWith(shape, undefined);
  }

  /** @internal Builds with given weight values (loading) or fresh initialisers. */
  buildWith(inputShape: SymShape, values: ((name: string, shape: number[]) => ArrayLike<number>) | undefined): void {
    if (this.#graph) {
      if (fmt(inputShape) !== fmt(this.#inputShape!))
        throw new ConfigError(`sequential: already built for input ${fmt(this.#inputShape!)}, not ${fmt(inputShape)}.`);
      return;
    }
    if (this.layers.length === 0) throw new ConfigError('sequential: the model has no layers.');
    this.#checkStructure();
    const graph = new LayerGraph(this.layers, chainSpec(this.layers.length, inputShape));
    graph.build(this.engine, this.initRng, values);
    this.#inputShape = [...inputShape];
    this.#graph = graph;
  }

  #checkStructure(): void {
    this.layers.forEach((l, i) => {
      if (l.readsIndices && i > 0)
        throw new ConfigError(`sequential: embedding '${l.name}' must be the first layer (it reads integer indices).`);
      if (l.returnsState && i < this.layers.length - 1)
        throw new ConfigError(
          `sequential: '${l.name}' has returnState but is followed by '${this.layers[i + 1].name}'. Only the last layer may return ` +
            'its states (predict returns them as prediction.states); use returnSequences to feed the next layer.',
        );
    });
  }

  protected hostInputs(x: unknown, where: string): HostTensor[] {
    const X = toHost(x as InputData, `${where} x`);
    this.#ensureBuilt(X);
    this.#checkX(X, `${where} x`);
    return [X];
  }

  /** Builds from the first batch of data when no inputShape was given. */
  #ensureBuilt(x: HostTensor): void {
    this.autoBuild();
    if (this.#graph) return;
    const shape: (number | null)[] = x.shape.slice(1);
    if (shape.length >= 2 || this.layers[0]?.readsIndices) shape[0] = null;
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

  // One input and one output: the data itself (the base also takes lists and objects by name).
  override fit(x: InputData, y: InputData, options?: FitOptions): Promise<History> {
    return super.fit(x, y, options);
  }

  override trainOnBatch(x: InputData, y: InputData, options?: TrainOnBatchOptions): Promise<Logs> {
    return super.trainOnBatch(x, y, options);
  }

  override evaluate(x: InputData, y: InputData, options?: EvaluateOptions): Promise<Logs> {
    return super.evaluate(x, y, options);
  }

  override inspect(x: InputData, y?: InputData, options?: InspectOptions): Promise<Inspection> {
    return super.inspect(x, y, options);
  }

  /** The model's output for x, computed in batches; any number of samples. `states` when the last layer has returnState. */
  async predict(x: InputData, options: PredictOptions = {}): Promise<Prediction> {
    const r = await this.predictAll(x, options, true);
    const result: Prediction = r.outputs[0];
    if (r.states.length) result.states = r.states;
    return result;
  }

  protected summaryHead(): string {
    const input = this.#inputShape ? fmt([null, ...this.#inputShape]) : '(unknown until built)';
    return `Model: "${this.name}"  input ${input}  backend ${this.backend.name}`;
  }

  protected summaryRows(): string[][] {
    return this.layers.map((l) => [layerLabel(l), builtShape(l), thousands(l.countParams())]);
  }

  protected topologyRecord(): Pick<ModelRecord, 'className' | 'topology'> {
    return { className: 'Sequential', topology: { inputShape: [...this.#inputShape!], layers: this.layers.map(layerToJson) } };
  }
}

/** A Sequential model over a backend: `sequential({ backend, seed }, [layers...])`. */
export function sequential(options: SequentialOptions, layers: Layer[] = []): Sequential {
  return new Sequential(options, layers);
}
