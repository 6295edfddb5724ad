/**
 * Attention layers as Keras 3 defines them, on the inputs [query, value] or [query, value, key]
 * (the key defaults to the value): `Attention` (Luong's dot-product score, optionally times a
 * learned scalar `scale`, Keras's `use_scale`) and `AdditiveAttention` (Bahdanau's
 * sum(scale * tanh(q + k)), the `scale` a learned [dim] vector unless `useScale: false`).
 * Output: [batch, Tq, value dim], the softmax-weighted sum of the values for each query step.
 *
 * Masks as Keras: padded value (key) steps get no weight; the output of a padded query step is
 * zero and the query's mask passes on. `useCausalMask` keeps query step i to key steps j <= i.
 * `returnAttentionScores` (Keras's call argument; an option here) makes `apply` return
 * [output, weights], the weights [batch, Tq, Tv] after the softmax. Keras's `dropout` and
 * `score_mode: 'concat'` are not implemented. The mathematics (forward and backward on core's
 * ops) is internal/attention-math.ts.
 */
import { ConfigError, ShapeError, type Tensor } from '@recurrent/core';
import { attend, type ScoreMode } from '../internal/attention-math.js';
import type { SeqMask } from '../internal/mask.js';
import { bool, noUnknown } from '../internal/options.js';
import { fmt, type SymShape } from '../internal/shape.js';
import type { Activation, CallContext, LayerBaseOptions, LayerCall, WeightSpec } from './layer.js';
import { MultiInputLayer } from './multi-input.js';

export interface AttentionOptions extends Pick<LayerBaseOptions, 'name'> {
  /** Learn a scale of the scores: a scalar for `attention` (default false), a [dim] vector for `additiveAttention` (default true). */
  useScale?: boolean;
  /** Also return the attention weights [batch, Tq, Tv]: `apply` gives [output, weights]. Default false. */
  returnAttentionScores?: boolean;
  /** Query step i attends to value steps j <= i only (a decoder attending to itself). Default false. */
  useCausalMask?: boolean;
}

const OPTIONS = ['name', 'useScale', 'returnAttentionScores', 'useCausalMask'];

abstract class BaseAttention extends MultiInputLayer {
  abstract override readonly className: 'Attention' | 'AdditiveAttention';
  protected abstract readonly mode: ScoreMode;
  readonly minInputs = 2;
  readonly maxInputs = 3;
  readonly useScale: boolean;
  readonly returnAttentionScores: boolean;
  readonly useCausalMask: boolean;

  constructor(options: AttentionOptions, defaultName: string, useScaleDefault: boolean) {
    if (typeof options !== 'object' || options === null) throw new ConfigError(`${defaultName}: options must be an object such as {}.`);
    super(options, defaultName);
    noUnknown(this.name, options, OPTIONS);
    this.useScale = bool(this.name, 'useScale', options.useScale, useScaleDefault);
    this.returnAttentionScores = bool(this.name, 'returnAttentionScores', options.returnAttentionScores, false);
    this.useCausalMask = bool(this.name, 'useCausalMask', options.useCausalMask, false);
  }

  /** [query, value, key] shapes checked: query and key [T, dim] with the same dim, value [Tv, dv] with key's steps. */
  #dims(inputs: SymShape[]): { D: number; Tq: number | null; Tv: number | null; Dv: number } {
    if (inputs.length < 2 || inputs.length > 3)
      throw new ConfigError(`${this.name}: takes [query, value] or [query, value, key], got ${inputs.length} input${inputs.length === 1 ? '' : 's'}.`);
    const [q, v, k = v] = inputs;
    const names = ['query', 'value', 'key'];
    [q, v, k].forEach((s, i) => {
      if (s.length !== 2 || typeof s[1] !== 'number')
        throw new ShapeError(`${this.name} (${names[i]})`, s.map((d) => d ?? -1), '[steps, features] (without the batch axis) with a known feature size');
    });
    if (q[1] !== k[1])
      throw new ShapeError(`${this.name} (key)`, k.map((d) => d ?? -1), `[steps, ${q[1]}]: the query's feature size ${fmt(q)}; project one of them with a dense layer first`);
    if (v[0] !== null && k[0] !== null && v[0] !== k[0])
      throw new ShapeError(`${this.name} (key)`, k.map((d) => d ?? -1), `[${v[0]}, ${k[1]}]: as many steps as the value`);
    return { D: q[1] as number, Tq: q[0], Tv: v[0], Dv: v[1] as number };
  }

  /**
   * The input shapes of the last outputShapeFor call: stateShapes() takes no arguments, and the
   * graph asks it right after outputShapeFor, for symbolic shapes (apply, build) and for a
   * batch's concrete ones (predict, fit), where the scores' [Tq, Tv] come from the inputs.
   */
  #applied?: SymShape[];

  outputShapeFor(inputs: SymShape[]): SymShape {
    const { Tq, Dv } = this.#dims(inputs);
    this.#applied = inputs;
    return [Tq, Dv];
  }

  override get returnsState(): boolean {
    return this.returnAttentionScores;
  }

  /** The attention weights, returned after the output with returnAttentionScores. */
  override stateShapes(): SymShape[] {
    const inputs = this.#applied ?? this.builtInputs;
    if (!this.returnAttentionScores || !inputs) return [];
    const { Tq, Tv } = this.#dims(inputs);
    return [[Tq, Tv]];
  }

  override weightSpecsFor(inputs: SymShape[]): WeightSpec[] {
    const { D } = this.#dims(inputs);
    return this.useScale ? [this.scaleSpec(D)] : [];
  }

  protected abstract scaleSpec(D: number): WeightSpec;

  callMany(ctx: CallContext, xs: Activation[]): LayerCall {
    const { e } = ctx;
    const { D, Dv } = this.#dims(this.builtInputs ?? xs.map((x) => x.t.shape.slice(1)));
    const [q, v, k] = xs;
    const B = q.t.shape[0];
    const check = (x: Activation, i: number, F: number, T?: number) => {
      const s = x.t.shape;
      if (s.length !== 3 || s[0] !== B || s[2] !== F || (T !== undefined && s[1] !== T))
        throw new ShapeError(`${this.name} (${['query', 'value', 'key'][i]})`, s, `[${B}, ${T ?? 'steps'}, ${F}]`);
    };
    check(q, 0, D);
    check(v, 1, Dv);
    const Tv = v.t.shape[1];
    if (k) check(k, 2, D, Tv);
    const keyMask = (k ?? v).mask ?? v.mask;
    const valid = (m: SeqMask | undefined) => m?.valid;
    const a = attend(e, this.mode, {
      q: q.t,
      v: v.t,
      k: k?.t,
      scale: this.useScale ? this.params[0].value : undefined,
      keyValid: valid(keyMask),
      queryValid: valid(q.mask),
      causal: this.useCausalMask,
    });
    return {
      out: { t: a.out, mask: q.mask },
      states: this.returnAttentionScores ? [a.weights] : undefined,
      backward: (dy: Tensor, dStates?: readonly (Tensor | undefined)[]) => {
        const g = a.backward(dy, dStates?.[0]);
        return { dxs: k ? [g.dq, g.dv, g.dk] : [g.dq, g.dv], grads: g.dScale ? [g.dScale] : [] };
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, useScale: this.useScale, returnAttentionScores: this.returnAttentionScores, useCausalMask: this.useCausalMask };
  }
}

/** Luong (dot-product) attention, Keras's `Attention`. */
export class Attention extends BaseAttention {
  readonly className = 'Attention' as const;
  protected readonly mode = 'dot' as const;
  constructor(options: AttentionOptions = {}) {
    super(options, 'attention', false);
  }
  /** Keras: a scalar `scale`, initialised to 1. */
  protected scaleSpec(): WeightSpec {
    return { name: 'scale', shape: [], init: () => Float64Array.of(1) };
  }
}

/** Bahdanau (additive) attention, Keras's `AdditiveAttention`. */
export class AdditiveAttention extends BaseAttention {
  readonly className = 'AdditiveAttention' as const;
  protected readonly mode = 'additive' as const;
  constructor(options: AttentionOptions = {}) {
    super(options, 'additive_attention', true);
  }
  /** Keras: `scale` [dim], Glorot-uniform (fan in = fan out = dim: limit sqrt(3 / dim)). */
  protected scaleSpec(D: number): WeightSpec {
    return {
      name: 'scale',
      shape: [D],
      init: (rng) => {
        const limit = Math.sqrt(3 / D);
        return Float64Array.from({ length: D }, () => limit * (2 * rng.next() - 1));
      },
    };
  }
}
