/**
 * Dot: per sample, the dot product of two tensors over one axis of each (Keras `Dot`): `axes`
 * is one axis for both or [axisOfA, axisOfB], counting the batch axis as 0 (so on [batch, T, D]
 * and [batch, S, D], axes 2 gives [batch, T, S]: Luong's dot attention scores). With
 * `normalize`, each vector is L2-normalised first (cosine similarity). The output is the free
 * axes of A then those of B ([batch, 1] when none is left). No mask is passed on.
 *
 * On the device: both inputs move their summed axis last, each (a-row, b-row) pair is gathered
 * side by side and multiplied, and the last axis summed; backward scatters the products back.
 */
import { ConfigError, quote, ShapeError, type Tensor } from '@recurrent/core';
import { featureAxis } from '../internal/axis.js';
import { bool, noUnknown } from '../internal/options.js';
import { fmt, type SymShape } from '../internal/shape.js';
import { axisLast, transpose } from '../internal/transpose.js';
import type { Activation, CallContext, LayerBaseOptions, LayerCall } from './layer.js';
import { MultiInputLayer } from './multi-input.js';

export interface DotOptions extends Omit<LayerBaseOptions, 'inputShape' | 'batchInputShape'> {
  /** The summed axis: one for both inputs, or [axis of the first, axis of the second]. */
  axes: number | [number, number];
  /** L2-normalise along the summed axis first (cosine similarity). Default false. */
  normalize?: boolean;
}

/** Keras's l2_normalize floor on the squared norm. */
const EPS = 1e-12;

export class Dot extends MultiInputLayer {
  readonly className = 'Dot' as const;
  readonly minInputs = 2;
  readonly maxInputs = 2;
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(options: DotOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('dot: options must be an object such as { axes: 2 }.');
    super(options, 'dot');
    const w = options.name ?? 'dot';
    noUnknown(w, options, ['name', 'axes', 'normalize']);
    const a = options.axes;
    if (!(Number.isInteger(a) || (Array.isArray(a) && a.length === 2 && a.every(Number.isInteger))))
      throw new ConfigError(`${w}: axes must be an integer or [axisOfA, axisOfB] (the batch axis counts as 0), got ${quote(a)}.`);
    this.axes = Array.isArray(a) ? [a[0], a[1]] : (a as number);
    this.normalize = bool(w, 'normalize', options.normalize, false);
  }

  /** The summed axis of each input (with the batch axis), for ranks `ra`, `rb` (with it). */
  #axes(ra: number, rb: number): [number, number] {
    const [a, b] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    return [featureAxis(this.name, 'axes', a, ra), featureAxis(this.name, 'axes', b, rb)];
  }

  outputShapeFor(inputs: SymShape[]): SymShape {
    const [sa, sb] = inputs;
    const [a, b] = this.#axes(sa.length + 1, sb.length + 1);
    const da = sa[a - 1];
    const db = sb[b - 1];
    if (da === null || db === null || da !== db)
      throw new ShapeError(
        `${this.name} (inputs)`,
        [da ?? -1, db ?? -1],
        'equal known sizes on the summed axes',
        `Dot sums axis ${a} of ${fmt(sa)} against axis ${b} of ${fmt(sb)} (the batch axis counts as 0); they must have one known size.`,
      );
    const out = [...sa.filter((_, i) => i !== a - 1), ...sb.filter((_, i) => i !== b - 1)];
    return out.length ? out : [1];
  }

  callMany(ctx: CallContext, xs: Activation[]): LayerCall {
    const { e } = ctx;
    const [x, z] = xs.map((v) => v.t);
    const [a, b] = this.#axes(x.shape.length, z.shape.length);
    const ma = transpose(e, x, axisLast(x.shape.length, a));
    const mb = transpose(e, z, axisLast(z.shape.length, b));
    const B = x.shape[0];
    const K = x.shape[a];
    const I = ma.y.size / (B * K);
    const J = mb.y.size / (B * K);
    const A2 = ma.y.reshape([B * I, K]);
    const C2 = mb.y.reshape([B * J, K]);
    const na = this.normalize ? l2Normalize(e, A2) : { y: A2, back: (d: Tensor) => d };
    const nb = this.normalize ? l2Normalize(e, C2) : { y: C2, back: (d: Tensor) => d };
    const ia = new Float32Array(B * I * J);
    const ib = new Float32Array(B * I * J);
    for (let s = 0; s < B; s++)
      for (let i = 0; i < I; i++)
        for (let j = 0; j < J; j++) {
          ia[(s * I + i) * J + j] = s * I + i;
          ib[(s * I + i) * J + j] = s * J + j;
        }
    const idxA = e.tensor(ia, [ia.length]);
    const idxB = e.tensor(ib, [ib.length]);
    const ga = e.run('gatherRows', [na.y, idxA], {});
    const gb = e.run('gatherRows', [nb.y, idxB], {});
    const free = [...x.shape.filter((_, k) => k !== a).slice(1), ...z.shape.filter((_, k) => k !== b).slice(1)];
    const outShape = [B, ...(free.length ? free : [1])];
    const y = e.sumLast(e.mul(ga, gb)).reshape(outShape);
    return {
      out: { t: y },
      backward: (dy) => {
        const d = dy.reshape([B * I * J, 1]);
        const dA = e.run('scatterAddRows', [e.mul(gb, d), idxA], { rows: B * I });
        const dC = e.run('scatterAddRows', [e.mul(ga, d), idxB], { rows: B * J });
        return { dxs: [ma.back(na.back(dA).reshape(ma.y.shape)), mb.back(nb.back(dC).reshape(mb.y.shape))], grads: [] };
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, axes: Array.isArray(this.axes) ? [...this.axes] : this.axes, normalize: this.normalize };
  }
}

/** Rows of x [M, K] divided by their L2 norm (floored as Keras's l2_normalize), and the backward. */
function l2Normalize(e: CallContext['e'], x: Tensor): { y: Tensor; back(dy: Tensor): Tensor } {
  const r = e.div(e.fill([x.shape[0], 1], 1), e.sqrt(e.maximum(e.sumLast(e.square(x)), e.fill([x.shape[0], 1], EPS))));
  const y = e.mul(x, r);
  // d x = r * (dy - y * sum(dy * y)) (where the floor is not active).
  return { y, back: (dy) => e.mul(e.sub(dy, e.mul(y, e.sumLast(e.mul(dy, y)))), r) };
}
