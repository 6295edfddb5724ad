/** Flatten: [batch, ...] -> [batch, product of the rest] (every size must be known). The mask is dropped. */
import { ShapeError } from '@recurrent/core';
import { noUnknown, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export type FlattenOptions = LayerBaseOptions;

export class Flatten extends Layer {
  readonly className = 'Flatten' as const;

  constructor(options: FlattenOptions = {}) {
    super(options, 'flatten');
    noUnknown(options.name ?? 'flatten', options, ['name', 'inputShape', 'batchInputShape']);
    shapeOption(options.name ?? 'flatten', 'inputShape', options.inputShape);
  }

  computeOutputShape(input: SymShape): SymShape {
    if (input.length === 0 || input.some((d) => d === null))
      throw new ShapeError(
        `${this.name} (input)`,
        input.map((d) => d ?? -1),
        'known sizes on every axis but the batch',
        'Flatten needs a fixed number of steps: give the input a fixed length (input({ shape: [10, 8] })) or pad the sequences to one length.',
      );
    return [input.reduce((a, b) => (a as number) * (b as number), 1)];
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(_ctx: CallContext, x: Activation): LayerCall {
    const s = x.t.shape;
    return { out: { t: x.t.reshape([s[0], x.t.size / s[0]]) }, backward: (dy) => ({ dx: dy.reshape(s), grads: [] }) };
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}
