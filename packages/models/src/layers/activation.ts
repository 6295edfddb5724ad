/**
 * Activation: a function applied on its own (Keras `Activation`, tfjs `layers.activation`),
 * with `axis` choosing the axis softmax normalises over (default the last; Keras's `Softmax`
 * layer's option). The mask passes through. With sigmoid, or softmax on the last axis, the
 * model may compute a crossentropy loss from the logits (as after a dense layer).
 */
import { ConfigError, type Tensor } from '@recurrent/core';
import { ACTIVATIONS, type ActivationName, activate, activationGrad } from '../internal/activations.js';
import { featureAxis, intOption } from '../internal/axis.js';
import { noUnknown, oneOf, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { axisLast, inversePerm, transpose } from '../internal/transpose.js';
import { type Activation as Act, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface ActivationOptions extends LayerBaseOptions {
  /** 'linear', 'relu', 'sigmoid', 'tanh' or 'softmax'. */
  activation: ActivationName;
  /** The axis softmax normalises over (Keras counts the batch axis as 0). Default -1. */
  axis?: number;
}

export class Activation extends Layer {
  readonly className = 'Activation' as const;
  readonly activation: ActivationName;
  readonly axis: number;

  constructor(options: ActivationOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError("activation: options must be an object such as { activation: 'softmax' }.");
    super(options, 'activation');
    const w = options.name ?? 'activation';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'activation', 'axis']);
    shapeOption(w, 'inputShape', options.inputShape);
    if (options.activation === undefined) throw new ConfigError(`${w}: activation is required, one of ${ACTIVATIONS.join(', ')}.`);
    this.activation = oneOf(w, 'activation', options.activation, ACTIVATIONS, 'linear');
    this.axis = intOption(w, 'axis', options.axis, -1);
  }

  computeOutputShape(input: SymShape): SymShape {
    featureAxis(this.name, 'axis', this.axis, input.length + 1);
    return input;
  }

  weightSpecs(): WeightSpec[] {
    return [];
  }

  call(ctx: CallContext, x: Act): LayerCall {
    const { e } = ctx;
    const s = [...x.t.shape];
    const name = this.activation;
    const axis = featureAxis(this.name, 'axis', this.axis, s.length);
    if (name !== 'softmax' || axis === s.length - 1) {
      // Row-wise on [N, K] (softmax over the last axis; the others are elementwise).
      const K = s[s.length - 1];
      const z = x.t.reshape([x.t.size / K, K]);
      const y = activate(e, name, z);
      const back = (dy: Tensor) => ({ dx: activationGrad(e, name, y, dy.reshape(z.shape)).reshape(s), grads: [] });
      const call: LayerCall = { out: { t: y.reshape(s), mask: x.mask }, backward: back };
      if (name === 'sigmoid' || name === 'softmax') call.logits = { z: x.t, activation: name, backward: (dz) => ({ dx: dz, grads: [] }) };
      return call;
    }
    // Softmax over another axis: move it last, normalise, move it back.
    const perm = axisLast(s.length, axis);
    const moved = transpose(e, x.t, perm);
    const ms = moved.y.shape;
    const K = ms[ms.length - 1];
    const z = moved.y.reshape([moved.y.size / K, K]);
    const y = activate(e, 'softmax', z);
    const back = transpose(e, y.reshape(ms), inversePerm(perm));
    return {
      out: { t: back.y, mask: x.mask },
      backward: (dy) => ({ dx: moved.back(activationGrad(e, 'softmax', y, back.back(dy).reshape(z.shape)).reshape(ms)), grads: [] }),
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), activation: this.activation, axis: this.axis };
  }
}
