/**
 * Concatenate: joins its inputs along `axis` (default -1, the features); every other size must
 * match. Masks of sequence inputs are combined (a step is valid where it is valid in every
 * input), as Keras does.
 */
import { ConfigError, ShapeError, type Tensor } from '@recurrent/core';
import { featureAxis, intOption } from '../internal/axis.js';
import { andMasks } from '../internal/mask.js';
import { noUnknown } from '../internal/options.js';
import { fmt, type SymShape } from '../internal/shape.js';
import { axisLast, inversePerm, transpose } from '../internal/transpose.js';
import type { Activation, CallContext, LayerBaseOptions, LayerCall } from './layer.js';
import { MultiInputLayer } from './multi-input.js';

export interface ConcatenateOptions extends Omit<LayerBaseOptions, 'inputShape' | 'batchInputShape'> {
  /** Default -1 (Keras counts the batch axis as 0). */
  axis?: number;
}

export class Concatenate extends MultiInputLayer {
  readonly className = 'Concatenate' as const;
  readonly minInputs = 2;
  readonly maxInputs = 64;
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('concatenate: options must be an object such as { axis: -1 }.');
    super(options, 'concatenate');
    const w = options.name ?? 'concatenate';
    noUnknown(w, options, ['name', 'axis']);
    this.axis = intOption(w, 'axis', options.axis, -1);
  }

  outputShapeFor(inputs: SymShape[]): SymShape {
    const rank = inputs[0].length;
    const a = featureAxis(this.name, 'axis', this.axis, rank + 1) - 1;
    for (const s of inputs)
      if (s.length !== rank || s.some((d, i) => i !== a && d !== null && inputs[0][i] !== null && d !== inputs[0][i]))
        throw new ShapeError(
          `${this.name} (inputs)`,
          s.map((d) => d ?? -1),
          `${fmt(inputs[0].map((d, i) => (i === a ? null : d)))} (null: any size on the joined axis)`,
          `Every input needs the same sizes except on axis ${this.axis}; got ${inputs.map(fmt).join(', ')}.`,
        );
    const sizes = inputs.map((s) => s[a]);
    // A size known in one input and not in another (null) is the known one.
    const out = inputs[0].map((d, i) => d ?? inputs.find((s) => s[i] !== null)?.[i] ?? null);
    out[a] = sizes.every((d) => d !== null) ? (sizes as number[]).reduce((x, y) => x + y, 0) : null;
    return out;
  }

  callMany(ctx: CallContext, xs: Activation[]): LayerCall {
    const { e } = ctx;
    const rank = xs[0].t.shape.length;
    const perm = axisLast(rank, featureAxis(this.name, 'axis', this.axis, rank));
    const moved = xs.map((x) => transpose(e, x.t, perm));
    const lead = moved[0].y.shape.slice(0, -1);
    const M = lead.reduce((a, b) => a * b, 1);
    const widths = moved.map((m) => m.y.shape[m.y.shape.length - 1]);
    const total = widths.reduce((a, b) => a + b, 0);
    const joined = e.concatCols(moved.map((m, i) => m.y.reshape([M, widths[i]]))).reshape([...lead, total]);
    const back = transpose(e, joined, inversePerm(perm));
    const seq = rank >= 3 && perm[perm.length - 1] !== 1;
    return {
      out: { t: back.y, mask: seq ? andMasks(xs.map((x) => x.mask)) : undefined },
      backward: (dy) => {
        const d = back.back(dy).reshape([M, total]);
        let off = 0;
        const dxs: Tensor[] = moved.map((m, i) => {
          const part = e.sliceCols(d, off, widths[i]).reshape(m.y.shape);
          off += widths[i];
          return m.back(part);
        });
        return { dxs, grads: [] };
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, axis: this.axis };
  }
}
