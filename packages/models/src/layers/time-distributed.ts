/**
 * TimeDistributed: applies a layer to every step of a sequence independently, by folding the
 * steps into the batch ([B, T, ...] -> [B*T, ...] -> layer -> [B, T, ...]). The sequence mask
 * passes through. The wrapped layer's weights are this layer's weights.
 */
import { ConfigError, ShapeError, type Param, type Tensor } from '@recurrent/core';
import { noUnknown, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type Backward, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface TimeDistributedOptions extends LayerBaseOptions {
  /** A per-step layer: dense or dropout (not a recurrent layer). */
  layer: Layer;
}

export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed' as const;
  readonly layer: Layer;

  constructor(options: TimeDistributedOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('timeDistributed: options must be an object such as { layer: layers.dense({ units: 3 }) }.');
    const inner = options.layer;
    if (!(inner instanceof Layer)) throw new ConfigError('timeDistributed: layer must be a layer, e.g. layers.dense({ units: 3 }).');
    if (!['Dense', 'Dropout', 'TimeDistributed'].includes(inner.className))
      throw new ConfigError(`timeDistributed: cannot wrap a ${inner.className} layer; wrap a per-step layer such as dense or dropout.`);
    super(options, 'time_distributed');
    noUnknown(options.name ?? 'time_distributed', options, ['name', 'inputShape', 'batchInputShape', 'layer']);
    shapeOption(options.name ?? 'time_distributed', 'inputShape', options.inputShape);
    this.layer = inner;
  }

  #rest(input: SymShape): SymShape {
    if (input.length < 2) throw new ShapeError(`${this.name} (input)`, input.map((d) => d ?? -1), '[steps, features, ...] per sample');
    return input.slice(1);
  }

  computeOutputShape(input: SymShape): SymShape {
    return [input[0], ...this.layer.computeOutputShape(this.#rest(input))];
  }

  weightSpecs(input: SymShape): WeightSpec[] {
    const rest = this.#rest(input);
    this.layer.builtInput = rest;
    this.layer.builtOutput = this.layer.computeOutputShape(rest);
    return this.layer.weightSpecs(rest);
  }

  override setParams(params: Param[]): void {
    super.setParams(params);
    this.layer.setParams(params);
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const s = x.t.shape;
    if (s.length < 3) throw new ShapeError(`${this.name} (input)`, s, '[batch, steps, features, ...]');
    const [B, T] = s;
    const inner = this.layer.call(ctx, { t: x.t.reshape([B * T, ...s.slice(2)]) });
    const fold = (t: Tensor) => t.reshape([B * T, ...t.shape.slice(2)]);
    const unfold = (r: Backward): Backward => ({ dx: r.dx?.reshape(s), grads: r.grads });
    const y = inner.out.t;
    const call: LayerCall = {
      out: { t: y.reshape([B, T, ...y.shape.slice(1)]), mask: x.mask },
      backward: (dy) => unfold(inner.backward(fold(dy))),
    };
    if (inner.logits) {
      const l = inner.logits;
      call.logits = { z: l.z.reshape([B, T, ...l.z.shape.slice(1)]), activation: l.activation, backward: (dz) => unfold(l.backward(fold(dz))) };
    }
    return call;
  }

  getConfig(): Record<string, unknown> {
    const { inputShape: _i, batchSize: _b, ...layer } = this.layer.getConfig();
    return { ...this.baseConfig(), layer: { className: this.layer.className, config: layer } };
  }
}
