/** Add: the elementwise sum of inputs of one shape (a residual connection); masks are combined. */
import { ShapeError } from '@recurrent/core';
import { andMasks } from '../internal/mask.js';
import { noUnknown } from '../internal/options.js';
import { fmt, type SymShape } from '../internal/shape.js';
import type { Activation, CallContext, LayerBaseOptions, LayerCall } from './layer.js';
import { MultiInputLayer } from './multi-input.js';

export type AddOptions = Omit<LayerBaseOptions, 'inputShape' | 'batchInputShape'>;

export class Add extends MultiInputLayer {
  readonly className = 'Add' as const;
  readonly minInputs = 2;
  readonly maxInputs = 64;

  constructor(options: AddOptions = {}) {
    super(options ?? {}, 'add');
    noUnknown(options?.name ?? 'add', options ?? {}, ['name']);
  }

  outputShapeFor(inputs: SymShape[]): SymShape {
    for (const s of inputs)
      if (fmt(s) !== fmt(inputs[0]))
        throw new ShapeError(`${this.name} (inputs)`, s.map((d) => d ?? -1), fmt(inputs[0]), `Add sums inputs of one shape; got ${inputs.map(fmt).join(', ')}.`);
    return inputs[0];
  }

  callMany(ctx: CallContext, xs: Activation[]): LayerCall {
    const { e } = ctx;
    const y = xs.slice(1).reduce((s, x) => e.add(s, x.t), xs[0].t);
    return { out: { t: y, mask: andMasks(xs.map((x) => x.mask)) }, backward: (dy) => ({ dxs: xs.map(() => dy), grads: [] }) };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}
