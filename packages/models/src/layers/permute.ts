/**
 * Permute: reorders the axes after the batch axis; `dims` is 1-based as in Keras
 * (`permute({ dims: [2, 1] })` swaps steps and features). The mask is dropped.
 */
import { ConfigError, quote, ShapeError } from '@recurrent/core';
import { noUnknown, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { transpose } from '../internal/transpose.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface PermuteOptions extends LayerBaseOptions {
  /** A permutation of 1..rank (the batch axis 0 stays first). */
  dims: number[];
}

export class Permute extends Layer {
  readonly className = 'Permute' as const;
  readonly dims: number[];

  constructor(options: PermuteOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('permute: options must be an object such as { dims: [2, 1] }.');
    super(options, 'permute');
    const w = options.name ?? 'permute';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'dims']);
    shapeOption(w, 'inputShape', options.inputShape);
    const d = options.dims;
    if (!Array.isArray(d) || d.length === 0 || [...d].sort((a, b) => a - b).some((v, i) => v !== i + 1))
      throw new ConfigError(`${w}: dims must be a permutation of 1..rank (the batch axis is not counted), e.g. [2, 1]; got ${quote(d)}.`);
    this.dims = [...d];
  }

  computeOutputShape(input: SymShape): SymShape {
    if (input.length !== this.dims.length)
      throw new ShapeError(`${this.name} (input)`, input.map((v) => v ?? -1), `rank ${this.dims.length} per sample (dims ${quote(this.dims)})`);
    return this.dims.map((d) => input[d - 1]);
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const t = transpose(ctx.e, x.t, [0, ...this.dims]);
    return { out: { t: t.y }, backward: (dy) => ({ dx: t.back(dy), grads: [] }) };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), dims: [...this.dims] };
  }
}
