/**
 * Scalar helpers shared by the elementwise and fused loops. Top-level and tiny, so the
 * optimising compiler inlines them; they are never passed around as values.
 */

/** 1 / (1 + e^-x): exp overflows to Infinity for very negative x and the result is 0, never NaN. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
