/**
 * Dense: y = activation(x @ kernel + bias) on the last axis, for [B, F] or [B, T, F] inputs
 * (a sequence keeps its mask). Keras defaults: linear activation, glorotUniform kernel, zero bias.
 */
import { ConfigError, type Initializer, type InitializerName, ShapeError, type Tensor } from '@recurrent/core';
import { ACTIVATIONS, type ActivationName, activate, activationGrad } from '../internal/activations.js';
import { bool, initializer, noUnknown, oneOf, posInt, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type Backward, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface DenseOptions extends LayerBaseOptions {
  units: number;
  /** 'linear' (default), 'relu', 'sigmoid', 'tanh' or 'softmax'. */
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
}

export class Dense extends Layer {
  readonly className = 'Dense' as const;
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly #kernelInit: ReturnType<typeof initializer>;
  readonly #biasInit: ReturnType<typeof initializer>;

  constructor(options: DenseOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError(`dense: options must be an object such as { units: 1 }.`);
    super(options, 'dense');
    const w = options.name ?? 'dense';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']);
    shapeOption(w, 'inputShape', options.inputShape);
    this.units = posInt(w, 'units', options.units);
    this.activation = oneOf(w, 'activation', options.activation, ACTIVATIONS, 'linear');
    this.useBias = bool(w, 'useBias', options.useBias, true);
    this.#kernelInit = initializer(w, 'kernelInitializer', options.kernelInitializer, 'glorotUniform');
    this.#biasInit = initializer(w, 'biasInitializer', options.biasInitializer, 'zeros');
  }

  #features(input: SymShape): number {
    const F = input[input.length - 1];
    if (input.length < 1 || typeof F !== 'number')
      throw new ShapeError(`${this.name} (input)`, input.map((d) => d ?? -1), '[..., features] with a known feature size');
    return F;
  }

  computeOutputShape(input: SymShape): SymShape {
    this.#features(input);
    return [...input.slice(0, -1), this.units];
  }

  weightSpecs(input: SymShape): WeightSpec[] {
    const F = this.#features(input);
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [F, this.units], init: (rng) => this.#kernelInit.fn([F, this.units], rng) }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.units], init: (rng) => this.#biasInit.fn([this.units], rng) });
    return specs;
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const F = this.#features(this.builtInput!);
    const s = x.t.shape;
    if (s.length < 2 || s[s.length - 1] !== F)
      throw new ShapeError(`${this.name} (input)`, s, `[batch, ..., ${F}]`);
    const N = x.t.size / F;
    const outShape = [...s.slice(0, -1), this.units];
    const W = this.params[0].value;
    const b = this.useBias ? this.params[1].value : undefined;
    const x2 = x.t.reshape([N, F]);
    const z = e.matmul(x2, W, { bias: b });
    const y = activate(e, this.activation, z);
    const fromZ = (dz: Tensor): Backward => {
      const grads = [e.matmul(x2, dz, { transposeA: true })];
      if (b) grads.push(e.sumBatch(dz));
      return { dx: e.matmul(dz, W, { transposeB: true }).reshape(s), grads };
    };
    const call: LayerCall = {
      out: { t: y.reshape(outShape), mask: x.mask },
      backward: (dy) => fromZ(activationGrad(e, this.activation, y, dy.reshape([N, this.units]))),
    };
    if (this.activation === 'sigmoid' || this.activation === 'softmax')
      call.logits = { z: z.reshape(outShape), activation: this.activation, backward: (dz) => fromZ(dz.reshape([N, this.units])) };
    return call;
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.baseConfig(), units: this.units, activation: this.activation, useBias: this.useBias };
    if (this.#kernelInit.name) c.kernelInitializer = this.#kernelInit.name;
    if (this.#biasInit.name) c.biasInitializer = this.#biasInit.name;
    return c;
  }
}
