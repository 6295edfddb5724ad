/**
 * Adam / AdamW (core's adamUpdate, PyTorch form). The per-step numbers are arguments so one
 * kernel per size serves every step:
 *   m' = beta1*m + c1*g, v' = beta2*v + c2*g^2 (c1 = 1-beta1, c2 = 1-beta2),
 *   p' = p*keep - stepSize*m' / (sqrt(v'*invBc2) + eps), stepSize = lr/(1-beta1^t),
 *   invBc2 = 1/(1-beta2^t), keep = 1 - lr*decoupledDecay.
 * With kernel maps: one pass returns p' and stores m', v'. Without: an m' pass, a v' pass,
 * then a p' pass reading them.
 */

export const ADAM_M = `function (g, m, beta1, c1) {
  var i = this.thread.x;
  return beta1 * m[i] + c1 * g[i];
}`;

export const ADAM_V = `function (g, v, beta2, c2) {
  var i = this.thread.x;
  var gi = g[i];
  return beta2 * v[i] + c2 * gi * gi;
}`;

export const ADAM_P = `function (p, mNew, vNew, stepSize, invBc2, eps, keep) {
  var i = this.thread.x;
  return p[i] * keep - (stepSize * mNew[i]) / (Math.sqrt(vNew[i] * invBc2) + eps);
}`;

export const ADAM_MAP = `function (p, g, m, v, beta1, c1, beta2, c2, stepSize, invBc2, eps, keep) {
  var i = this.thread.x;
  var gi = g[i];
  var mi = saveM(beta1 * m[i] + c1 * gi);
  var vi = saveV(beta2 * v[i] + c2 * gi * gi);
  return p[i] * keep - (stepSize * mi) / (Math.sqrt(vi * invBc2) + eps);
}`;
export const SAVE_M = `function saveM(v) {
  return v;
}`;
export const SAVE_V = `function saveV(v) {
  return v;
}`;
