/**
 * The recurrent activation: the function of the gates the equations write `sig` (LSTM i, f, o;
 * GRU r, z, both modes). Declared once here; cells pass it to the fused ops as an attribute,
 * and backends, models and converters read these facts rather than restating them.
 *
 * - 'sigmoid': the logistic 1 / (1 + e^-v) (Keras 3, PyTorch, ONNX's default).
 * - 'hardSigmoidKeras2': clip(0.2 v + 0.5, 0, 1): Keras 2's `hard_sigmoid` and tfjs-layers'
 *   `hardSigmoid` (tfjs-layers' DEFAULT recurrent activation).
 * - 'hardSigmoidKeras3': clip(v / 6 + 0.5, 0, 1) = relu6(v + 3) / 6: Keras 3's `hard_sigmoid`
 *   (and PyTorch's `Hardsigmoid`).
 *
 * The hard sigmoids' derivative is their slope where the output is strictly between 0 and 1,
 * and 0 elsewhere. Exactly at a kink (output exactly 0 or 1, v = +-2.5 or +-3) it is 0, as in
 * PyTorch's `F.hardsigmoid` and `relu6` backward (checked with torch 1.13: gradient 0 at v = +-3).
 * PyTorch's `clamp` would pass the slope at its bounds instead; the fixture's equations name
 * both forms (clip, relu6) and no fixture value sits on a kink, so they do not decide it.
 * Backward passes compute it from the gate's output y: slope * [0 < y < 1].
 */

import type { Engine, Tensor } from './engine.js';
import { ConfigError } from './errors.js';

export type RecurrentActivation = 'sigmoid' | 'hardSigmoidKeras2' | 'hardSigmoidKeras3';

/** The slope of each hard sigmoid: y = clip(slope * v + 0.5, 0, 1). */
export const HARD_SIGMOID_SLOPE: { readonly [A in Exclude<RecurrentActivation, 'sigmoid'>]: number } = {
  hardSigmoidKeras2: 0.2,
  hardSigmoidKeras3: 1 / 6,
};

/** Every recurrent activation, 'sigmoid' (the default) first. */
export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['sigmoid', ...(Object.keys(HARD_SIGMOID_SLOPE) as RecurrentActivation[])];

export function isRecurrentActivation(v: unknown): v is RecurrentActivation {
  return typeof v === 'string' && (RECURRENT_ACTIVATIONS as readonly string[]).includes(v);
}

/**
 * The hard sigmoid's slope for `a`, 0 for the logistic sigmoid, and undefined for a value that
 * is not a RecurrentActivation (a backend kernel then declines, and core runs the fallback).
 */
export function hardSigmoidSlope(a: unknown): number | undefined {
  if (a === 'sigmoid') return 0;
  return typeof a === 'string' && Object.hasOwn(HARD_SIGMOID_SLOPE, a) ? HARD_SIGMOID_SLOPE[a as keyof typeof HARD_SIGMOID_SLOPE] : undefined;
}

/** hardSigmoidSlope, with a ConfigError naming `where` for a value that is not a RecurrentActivation. */
export function checkedSlope(where: string, a: unknown): number {
  const slope = hardSigmoidSlope(a);
  if (slope === undefined)
    throw new ConfigError(`${where} must be one of ${RECURRENT_ACTIVATIONS.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(a)}.`);
  return slope;
}

/** sig(v) from primitives: the logistic sigmoid (slope 0), or clip(slope * v + 0.5, 0, 1). */
export const gateBySlope = (e: Engine, v: Tensor, slope: number): Tensor =>
  slope === 0 ? e.sigmoid(v) : e.clip(e.affine(v, slope, 0.5), 0, 1);

/**
 * dy * sig'(v) from y = sig(v), from primitives: dy * y * (1 - y), or dy * slope * [0 < y < 1]
 * with the indicator written sign(y * (1 - y)) (1 inside the open interval, 0 at a kink).
 */
export const gateGradBySlope = (e: Engine, y: Tensor, dy: Tensor, slope: number): Tensor =>
  slope === 0 ? e.sigmoidGrad(y, dy) : e.mul(dy, e.scale(e.sign(e.mul(y, e.affine(y, -1, 1))), slope));

/** The gate function `sig` of `activation`, from primitives (what a cell outside core's fused ops composes with). */
export const recurrentGate = (e: Engine, v: Tensor, activation: RecurrentActivation): Tensor =>
  gateBySlope(e, v, checkedSlope('recurrentActivation', activation));

/** dy * sig'(v) from the gate output y = sig(v), from primitives. */
export const recurrentGateGrad = (e: Engine, y: Tensor, dy: Tensor, activation: RecurrentActivation): Tensor =>
  gateGradBySlope(e, y, dy, checkedSlope('recurrentActivation', activation));
