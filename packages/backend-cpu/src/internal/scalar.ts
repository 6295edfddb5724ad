/**
 * Scalar helpers shared by the elementwise and fused loops. Top-level and tiny, so the
 * optimising compiler inlines them; they are never passed around as values.
 */

/** 1 / (1 + e^-x): exp overflows to Infinity for very negative x and the result is 0, never NaN. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The gate function `sig` by its hard-sigmoid slope (core's hardSigmoidSlope): the logistic
 * sigmoid for slope 0, else clip(slope * v + 0.5, 0, 1).
 */
export const gate = (v: number, slope: number): number => (slope === 0 ? sigmoid(v) : Math.min(Math.max(slope * v + 0.5, 0), 1));

/**
 * sig'(v) from y = sig(v): y * (1 - y), or the slope where 0 < y < 1 and 0 elsewhere, also at a
 * kink (y exactly 0 or 1), as PyTorch's hardsigmoid_backward (core's recurrent-activation.ts).
 */
export const gateGrad = (y: number, slope: number): number => (slope === 0 ? y * (1 - y) : y > 0 && y < 1 ? slope : 0);
