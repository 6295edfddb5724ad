/**
 * RepeatVector: [batch, features] -> [batch, n, features], the vector at every step (the
 * classic encoder-decoder bridge: an encoder's last output repeated as the decoder's input).
 */
import { ConfigError, ShapeError } from '@recurrent/core';
import { noUnknown, posInt, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface RepeatVectorOptions extends LayerBaseOptions {
  /** Number of steps. */
  n: number;
}

export class RepeatVector extends Layer {
  readonly className = 'RepeatVector' as const;
  readonly n: number;

  constructor(options: RepeatVectorOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('repeatVector: options must be an object such as { n: 10 }.');
    super(options, 'repeat_vector');
    const w = options.name ?? 'repeat_vector';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'n']);
    shapeOption(w, 'inputShape', options.inputShape);
    this.n = posInt(w, 'n', options.n);
  }

  computeOutputShape(input: SymShape): SymShape {
    if (input.length !== 1)
      throw new ShapeError(`${this.name} (input)`, input.map((d) => d ?? -1), '[features] per sample', 'RepeatVector repeats a vector; a sequence output needs returnSequences: false first.');
    return [this.n, input[0]];
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const [B, D] = x.t.shape;
    const idx = e.tensor(
      Float32Array.from({ length: B * this.n }, (_, i) => Math.floor(i / this.n)),
      [B * this.n],
    );
    return {
      out: { t: e.run('gatherRows', [x.t, idx], {}).reshape([B, this.n, D]) },
      backward: (dy) => ({ dx: e.run('scatterAddRows', [dy.reshape([B * this.n, D]), idx], { rows: B }), grads: [] }),
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), n: this.n };
  }
}
