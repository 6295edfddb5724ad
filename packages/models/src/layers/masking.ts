/**
 * Masking: a step whose features all equal `maskValue` is padding. The layer zeroes those
 * steps and passes a step mask on, so recurrent layers skip them and losses/metrics on a
 * sequence output ignore them (Keras semantics).
 */
import { ConfigError, quote, ShapeError } from '@recurrent/core';
import { noUnknown, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface MaskingOptions extends LayerBaseOptions {
  /** Default 0. */
  maskValue?: number;
}

export class Masking extends Layer {
  readonly className = 'Masking' as const;
  readonly maskValue: number;

  constructor(options: MaskingOptions = {}) {
    super(options, 'masking');
    const w = options.name ?? 'masking';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'maskValue']);
    shapeOption(w, 'inputShape', options.inputShape);
    const v = options.maskValue ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${w}: maskValue must be a finite number, got ${quote(v)}.`);
    this.maskValue = v;
  }

  computeOutputShape(input: SymShape): SymShape {
    if (input.length !== 2) throw new ShapeError(`${this.name} (input)`, input.map((d) => d ?? -1), '[steps, features] per sample');
    return input;
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const s = x.t.shape;
    if (s.length !== 3) throw new ShapeError(`${this.name} (input)`, s, '[batch, steps, features]');
    const [B, T, D] = s;
    const values = x.host?.data ?? x.t.dataSync();
    const valid = new Uint8Array(B * T);
    const keep = new Float32Array(B * T * D);
    for (let r = 0; r < B * T; r++) {
      let any = false;
      for (let d = 0; d < D; d++) if (values[r * D + d] !== this.maskValue) any = true;
      valid[r] = any ? 1 : 0;
      if (any) keep.fill(1, r * D, (r + 1) * D);
    }
    const m = e.tensor(keep, s);
    return {
      out: { t: e.mul(x.t, m), mask: { B, T, valid } },
      backward: (dy) => ({ dx: e.mul(dy, m), grads: [] }),
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), maskValue: this.maskValue };
  }
}
