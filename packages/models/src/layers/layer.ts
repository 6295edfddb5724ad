/**
 * The layer contract. A layer declares its weights (names, shapes, initializers) and its
 * output shape for an input shape; the model allocates the weights (so loading a saved model
 * uploads the saved values and never runs an initializer, tfjs#245) and hands them back with
 * `setParams`. `call` runs the forward pass and returns a closure for the backward pass
 * (each layer writes its own backward, as core's cells do: no tape autodiff).
 *
 * ## Multi-input layers (stable interface)
 *
 * A layer that takes several tensors (concatenate, add, dot, attention) extends
 * `MultiInputLayer` (layers/multi-input.ts) and implements, instead of the one-input methods:
 *
 *   - `outputShapeFor(inputs: SymShape[]): SymShape` (shapes without the batch axis; throw a
 *     ShapeError naming the layer for inputs it cannot take),
 *   - `weightSpecsFor(inputs: SymShape[]): WeightSpec[]` (default: none),
 *   - `callMany(ctx, xs: Activation[]): LayerCall`, whose `backward(dy)` returns `dxs`, one
 *     gradient per input in input order (`undefined` for an input that takes none, e.g. when
 *     `ctx.inputGrad` is false),
 *
 * and `minInputs` / `maxInputs`. The model stores the built input shapes in `builtInputs`.
 * A functional model calls it as `layer.apply([a, b])`.
 *
 * ## Capabilities (asked of the layer, never tested by class)
 *
 * `multiInput`, `returnsState`, `stateCount` (states a call returns with `returnsState` and
 * accepts as `initialState`), `carriesState` (stateful: keeps states between batches),
 * `readsIndices` (reads integer indices, so it must read a model input directly) and
 * `stateCarriers()` (what `toBackend` moves).
 *
 * ## States in a graph
 *
 * A layer with `stateCount > 0` takes `ctx.initialState` (from `apply(x, { initialState })`
 * or `fit`'s `initialState` option); its `LayerCall.states` are the final states, and
 * `backward(dy, dStates)` receives the gradients reaching them and returns
 * `dInitialState` (one per initial state) when it was given initial states.
 *
 * ## A custom layer
 *
 * Extend `Layer` (or `MultiInputLayer`), give it a `className` of your own, implement
 * `computeOutputShape`, `weightSpecs` (may be `[]`), `call` (forward on `ctx.e`, core's engine,
 * with a `backward` closure returning `dx` and one gradient per weight) and `getConfig`. It
 * works in `sequential` and with `apply`; `save` refuses it with a ConfigError (loadModel could
 * not rebuild it), so save its weights with `getWeights`.
 */
import { type CellKind, ConfigError, type Engine, type Param, quote, type Rng, type RnnTape, type Tensor } from '@recurrent/core';
import type { HostTensor, InputData } from '../inputs.js';
import type { SeqMask } from '../internal/mask.js';
import type { SymShape } from '../internal/shape.js';
import { type ApplyOptions, applyLayer, type SymbolicTensor } from './symbolic.js';

export type LayerClassName =
  | 'Activation'
  | 'Add'
  | 'Concatenate'
  | 'Dot'
  | 'Flatten'
  | 'Permute'
  | 'RepeatVector'
  | 'SimpleRNN'
  | 'LSTM'
  | 'GRU'
  | 'Dense'
  | 'Embedding'
  | 'Dropout'
  | 'Masking'
  | 'Bidirectional'
  | 'TimeDistributed'
  | 'Attention'
  | 'AdditiveAttention';

/** A weight a layer needs: its name within the layer, its shape, and how to initialise it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  init: (rng: Rng) => Float64Array;
}

/** What flows between layers. */
export interface Activation {
  t: Tensor;
  /** Step mask of a sequence [B, T, ...]. */
  mask?: SeqMask;
  /** The same values on the host, when known (the model's input): saves a read-back. */
  host?: HostTensor;
}

export interface Backward {
  /** d(loss)/d(input); undefined when the input is not differentiable (embedding indices) or not needed. */
  dx?: Tensor;
  /** Multi-input layers: d(loss)/d(each input), in input order; undefined where none is needed. */
  dxs?: (Tensor | undefined)[];
  /** d(loss)/d(each initial state), when the call was given `ctx.initialState`. */
  dInitialState?: Tensor[];
  /** One gradient per param, in `params` order. */
  grads: Tensor[];
}

export interface LayerCall {
  out: Activation;
  /** Final states [h] or [h, c] (returnState). */
  states?: Tensor[];
  /**
   * d(loss)/d(out) in, gradients out. `dStates`: d(loss)/d(each of `states`), when a graph
   * uses them (undefined entries: no gradient reaches that state).
   */
  backward(dy: Tensor, dStates?: readonly (Tensor | undefined)[]): Backward;
  /**
   * For a layer ending in sigmoid or softmax: the pre-activation and the backward from it, so
   * the model can compute a crossentropy from logits (Keras 3 does the same on TensorFlow).
   */
  logits?: { z: Tensor; activation: 'sigmoid' | 'softmax'; backward(dz: Tensor): Backward };
}

export interface CallContext {
  e: Engine;
  training: boolean;
  /** Randomness for dropout masks; present when training. */
  rng?: Rng;
  /** Initial states for this layer ([h] or [h, c]), from predict/fit's `initialState`. */
  initialState?: Tensor[];
  /** Disposes `t` after the whole step (forward and backward) finished. */
  defer(t: Tensor): void;
  /**
   * false when nothing needs d(loss)/d(input) of this call (the first layer of a model, whose
   * input is data): backward may then skip computing `dx`. Default true.
   */
  inputGrad?: boolean;
  /** Inspection hooks (`inspect`): recurrent layers report their run here. Absent: nothing extra is computed. */
  observe?: RecurrentObserver;
}

/** What a recurrent layer reports to `inspect` (see model/inspect.ts). */
export interface RecurrentObserver {
  /**
   * After the forward run: core's tape (states and gates by core's time index t) and the input
   * position of core's step t for example b (undefined where the step is padding or masked).
   */
  forward(layer: string, kind: CellKind, tape: RnnTape, position: (b: number, t: number) => number | undefined): void;
  /** During backward: d(loss)/d(state after core's step t), [B, H]; valid only during the call. */
  stepGrad(layer: string, t: number, dh: Tensor): void;
}

export interface LayerBaseOptions {
  name?: string;
  /** Input shape without the batch axis; `null` for a size known at run time: `[null, 1]`. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis (the batch size may be null). */
  batchInputShape?: (number | null)[];
}

/** What `toBackend` moves besides the weights: a stateful recurrent layer's carried states. */
export interface StateCarrier {
  stateTensors: Tensor[] | undefined;
  disposeStates(): void;
}

/** Longest layer name accepted (names appear in weight names and messages). */
const MAX_NAME = 200;

export abstract class Layer {
  abstract readonly className: LayerClassName;
  /** Set by the model (unique within it) unless given. */
  name: string;
  readonly inputShape?: SymShape;
  /** A fixed batch size, from batchInputShape (stateful layers). */
  readonly batchSize?: number;
  params: Param[] = [];
  /** Input and output shapes once built (without the batch axis). */
  builtInput?: SymShape;
  builtOutput?: SymShape;

  constructor(opts: LayerBaseOptions, defaultName: string) {
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name.length === 0 || opts.name.length > MAX_NAME))
      throw new ConfigError(`${defaultName}: name must be a non-empty string of at most ${MAX_NAME} characters, got ${quote(opts.name)}.`);
    this.name = opts.name ?? defaultName;
    this.nameGiven = opts.name !== undefined;
    if (opts.batchInputShape) {
      this.inputShape = opts.batchInputShape.slice(1);
      if (opts.batchInputShape[0] !== null) this.batchSize = opts.batchInputShape[0];
    } else if (opts.inputShape) this.inputShape = [...opts.inputShape];
  }

  /** Whether `name` came from the user (the model keeps it) or is a default (made unique). */
  readonly nameGiven: boolean;

  /** Takes several inputs (a MultiInputLayer: `callMany`, `outputShapeFor`, `weightSpecsFor`). */
  get multiInput(): boolean {
    return false;
  }

  /** A call also returns the final states (`LayerCall.states`): recurrent layers with returnState. */
  get returnsState(): boolean {
    return false;
  }

  /** How many state tensors a call returns (with returnsState) and takes as initialState; 0: none. */
  get stateCount(): number {
    return 0;
  }

  /** Shapes (without the batch axis) of the states a call returns and takes: [units] each. */
  stateShapes(): SymShape[] {
    return [];
  }

  /** Keeps states from one batch to the next (stateful recurrent layers). */
  get carriesState(): boolean {
    return false;
  }

  /** Reads integer indices (embedding): its input must be a model input, not another layer's output. */
  get readsIndices(): boolean {
    return false;
  }

  /** The parts holding carried states, for toBackend (a recurrent layer, or Bidirectional's two). */
  stateCarriers(): StateCarrier[] {
    return [];
  }

  /**
   * Functional API (tfjs-layers' name): this layer on symbolic tensors from `input()` or another
   * layer's `apply`. Returns the symbolic output, or [output, ...states] for a layer with
   * returnState. A multi-input layer takes a list. Applying a layer twice shares its weights.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions = {}): SymbolicTensor | SymbolicTensor[] {
    return applyLayer(this, inputs, options);
  }

  /** Output shape for an input shape; throws ShapeError/ConfigError for an input it cannot take. */
  abstract computeOutputShape(input: SymShape): SymShape;
  /** The weights this layer needs for an input shape. */
  abstract weightSpecs(input: SymShape): WeightSpec[];
  abstract call(ctx: CallContext, x: Activation): LayerCall;
  /** JSON options that rebuild this layer (the `config` of model.json). */
  abstract getConfig(): Record<string, unknown>;

  /** Receives the allocated weights, in weightSpecs order. */
  setParams(params: Param[]): void {
    this.params = params;
  }

  /** Forgets (or sets) carried states (stateful layers). */
  resetStates(_states?: (Tensor | InputData)[]): void {}

  /** Frees carried states. */
  disposeStates(): void {}

  /** Number of scalar weights. */
  countParams(): number {
    return this.params.reduce((n, p) => n + p.value.size, 0);
  }

  /** A non-default option worth a glance in model.summary() (e.g. a hard-sigmoid recurrent activation), or ''. */
  summaryDetail(): string {
    return '';
  }

  protected baseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name };
    if (this.inputShape) c.inputShape = [...this.inputShape];
    if (this.batchSize !== undefined) c.batchSize = this.batchSize;
    return c;
  }
}
