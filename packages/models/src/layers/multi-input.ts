/**
 * The base of layers that take several inputs (concatenate, add, dot, attention): see "Multi-input
 * layers" in layer.ts. The one-input methods refuse with a ConfigError, so such a layer in a
 * sequential model says what to do instead.
 */
import { ConfigError } from '@recurrent/core';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerCall, type WeightSpec } from './layer.js';

export abstract class MultiInputLayer extends Layer {
  /** Fewest and most inputs a call takes. */
  abstract readonly minInputs: number;
  abstract readonly maxInputs: number;
  /** Input shapes once built (without the batch axis), in input order. */
  builtInputs?: SymShape[];

  override get multiInput(): boolean {
    return true;
  }

  /** Output shape for the input shapes; throws ShapeError/ConfigError naming the layer for inputs it cannot take. */
  abstract outputShapeFor(inputs: SymShape[]): SymShape;
  /** The weights for the input shapes (default none). */
  weightSpecsFor(_inputs: SymShape[]): WeightSpec[] {
    return [];
  }
  /** Forward on several inputs; `backward(dy)` returns `dxs`, one per input. */
  abstract callMany(ctx: CallContext, xs: Activation[]): LayerCall;

  #single(): never {
    throw new ConfigError(
      `${this.name}: a ${this.className} layer takes a list of inputs, so it fits only a functional model: ` +
        `${this.name}.apply([a, b]) inside model({ inputs, outputs }).`,
    );
  }

  computeOutputShape(_input: SymShape): SymShape {
    return this.#single();
  }

  weightSpecs(_input: SymShape): WeightSpec[] {
    return this.#single();
  }

  call(_ctx: CallContext, _x: Activation): LayerCall {
    return this.#single();
  }
}
