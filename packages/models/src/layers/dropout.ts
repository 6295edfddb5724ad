/**
 * Dropout: during training, zeroes each element with probability `rate` and scales the rest
 * by 1 / (1 - rate); the identity at inference. Masks come from the model's seeded Rng.
 */
import { ConfigError } from '@recurrent/core';
import { dropoutValues } from '../internal/dropout-mask.js';
import { noUnknown, rate, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface DropoutOptions extends LayerBaseOptions {
  /** Fraction of elements dropped, in [0, 1). */
  rate: number;
}

export class Dropout extends Layer {
  readonly className = 'Dropout' as const;
  readonly rate: number;

  constructor(options: DropoutOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('dropout: options must be an object such as { rate: 0.2 }.');
    super(options, 'dropout');
    const w = options.name ?? 'dropout';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'rate']);
    shapeOption(w, 'inputShape', options.inputShape);
    if (options.rate === undefined) throw new ConfigError(`${w}: rate is required (a number in [0, 1)).`);
    this.rate = rate(w, 'rate', options.rate);
  }

  computeOutputShape(input: SymShape): SymShape {
    return input;
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    if (!ctx.training || this.rate === 0 || !ctx.rng) return { out: x, backward: (dy) => ({ dx: dy, grads: [] }) };
    const m = e.tensor(dropoutValues(ctx.rng, x.t.size, this.rate), x.t.shape);
    return { out: { t: e.mul(x.t, m), mask: x.mask }, backward: (dy) => ({ dx: e.mul(dy, m), grads: [] }) };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }
}
