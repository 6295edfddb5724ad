/**
 * Helper functions every kernel may call, as source text.
 *
 * Kernel and helper bodies are strings, not TypeScript functions: gpu.js parses
 * `Function.prototype.toString()` of what it is given, and anything between our source and
 * that string may rewrite it (TypeScript downlevelling, a bundler's `__name(...)` wrappers for
 * keepNames, coverage counters). A string reaches gpu.js byte for byte whatever the build.
 */

/**
 * The row of flat index `i` in rows of `n`: floor(i / n), exact for every i < 2^24.
 * GPUs divide in float32 without correct rounding, so `Math.floor(i / n)` alone is off by one
 * for some i above ~2^22 (measured on SwiftShader); the estimate is corrected by checking the
 * remainder, which is exact in float32 below 2^24.
 */
export const ROW_OF = `function rowOf(i, n) {
  var r = Math.floor((i + 0.5) / n);
  var c = i - r * n;
  if (c < 0) { r = r - 1; }
  if (c >= n) { r = r + 1; }
  return r;
}`;

/** 1 / (1 + e^-x): exp overflow gives 0 or 1, never NaN. */
export const SIGMOID = `function sigmoid_(x) {
  return 1 / (1 + Math.exp(-x));
}`;

/**
 * tanh as in Cephes' tanhf: an odd polynomial for |x| < 0.625 and 1 - 2 / (e^2|x| + 1)
 * above. GLSL's tanh is (e^x - e^-x) / (e^x + e^-x) on common drivers: NaN above |x| ~ 44
 * (inf / inf) and a 1e-4 relative error near 0 (measured on SwiftShader: tanh(1e-6) off by 2%).
 */
export const TANH = `function tanh_(x) {
  var a = Math.abs(x);
  if (a < 0.625) {
    var s = x * x;
    return ((((-0.00570498872745 * s + 0.0206390887954) * s - 0.0537397155531) * s + 0.133314422036) * s - 0.333332819422) * s * x + x;
  }
  var y = 1 - 2 / (Math.exp(2 * a) + 1);
  if (x < 0) { return -y; }
  return y;
}`;

/**
 * The recurrent activation of the LSTM/GRU gates, `slope` an argument of the kernel: 0 for the
 * logistic sigmoid, else a hard sigmoid's slope (0.2 Keras 2 / tfjs, 1/6 Keras 3):
 * clip(slope * x + 0.5, 0, 1).
 */
export const GATE = `function gate_(x, slope) {
  if (slope == 0) { return sigmoid_(x); }
  return Math.min(Math.max(slope * x + 0.5, 0), 1);
}`;

/** sig'(x) from y = gate_(x, slope): y (1 - y), or slope where 0 < y < 1, else 0 (also at a kink, as core says). */
export const DGATE = `function dgate_(y, slope) {
  if (slope == 0) { return y * (1 - y); }
  if (y > 0) {
    if (y < 1) { return slope; }
  }
  return 0;
}`;

export const HELPERS = [ROW_OF, SIGMOID, TANH, GATE, DGATE];
