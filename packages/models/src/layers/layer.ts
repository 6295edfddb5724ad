/**
 * The layer contract. A layer declares its weights (names, shapes, initializers) and its
 * output shape for an input shape; the model allocates the weights (so loading a saved model
 * uploads the saved values and never runs an initializer, tfjs#245) and hands them back with
 * `setParams`. `call` runs the forward pass and returns a closure for the backward pass
 * (each layer writes its own backward, as core's cells do: no tape autodiff).
 */
import { ConfigError, type Engine, type Param, quote, type Rng, type Tensor } from '@recurrent/core';
import type { HostTensor, InputData } from '../inputs.js';
import type { SeqMask } from '../internal/mask.js';
import type { SymShape } from '../internal/shape.js';

export type LayerClassName =
  | 'SimpleRNN'
  | 'LSTM'
  | 'GRU'
  | 'Dense'
  | 'Embedding'
  | 'Dropout'
  | 'Masking'
  | 'Bidirectional'
  | 'TimeDistributed';

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
  /** One gradient per param, in `params` order. */
  grads: Tensor[];
}

export interface LayerCall {
  out: Activation;
  /** Final states [h] or [h, c] (returnState). */
  states?: Tensor[];
  backward(dy: Tensor): Backward;
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
}

export interface LayerBaseOptions {
  name?: string;
  /** Input shape without the batch axis; `null` for a size known at run time: `[null, 1]`. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis (the batch size may be null). */
  batchInputShape?: (number | null)[];
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
