/**
 * The fused GRU reset-before step (core's gruBeforeGates / gruBeforeState and their backward,
 * gates r, z, n; Keras reset_after=False). The reset gate multiplies h before the n-gate
 * matmul, so a step is two matmuls with pointwise passes between them: rz [B, 2H] and
 * r*h [B, H]; then n and h' [B, H] (a kernel map where gpu.js has them). Backward: d(pre_n)
 * [B, H]; then, after the d(pre_n) @ Wh_n^T matmul, d(xp) [B, 3H] and the direct part of d(h).
 * Constants: H (units), G2 = 2H, G3 = 3H. Gates r, z use the recurrent activation: argument
 * `slope` (helpers.ts gate_ / dgate_).
 */
import { GATE3_POSITION } from './gru.js';

/** The state index s of thread x in [B, H], its row, column j, and the offset of its r gate in rz [B, 2H]. */
const STATE_POSITION = `  var s = this.thread.x;
  var row = rowOf(s, this.constants.H);
  var j = s - row * this.constants.H;
  var q = row * this.constants.G2 + j;`;

/** (xp [B, 3H], hpRz [B, 2H]) -> rz = sig(xp[:, :2H] + hpRz) [B, 2H]. */
export const GB_RZ = `function (xp, hp, slope) {
  var i = this.thread.x;
  var row = rowOf(i, this.constants.G2);
  var col = i - row * this.constants.G2;
  return gate_(xp[row * this.constants.G3 + col] + hp[i], slope);
}`;

/** (rz, h) -> r * h [B, H]. */
export const GB_RH = `function (rz, h) {
${STATE_POSITION}
  return rz[q] * h[s];
}`;

/** (xp, hpN) -> n = tanh(xp_n + hpN) [B, H]. */
export const GB_N = `function (xp, hpN) {
${STATE_POSITION}
  return tanh_(xp[row * this.constants.G3 + 2 * this.constants.H + j] + hpN[s]);
}`;

/** (n, rz, h) -> h' = n + z*(h - n) [B, H]. */
export const GB_H = `function (n, rz, h) {
${STATE_POSITION}
  var nn = n[s];
  return nn + rz[q + this.constants.H] * (h[s] - nn);
}`;

/** Kernel map: (xp, hpN, rz, h) -> h', storing n through the saveN sub-kernel. */
export const GB_STATE_MAP = `function (xp, hpN, rz, h) {
${STATE_POSITION}
  var nn = saveN(tanh_(xp[row * this.constants.G3 + 2 * this.constants.H + j] + hpN[s]));
  return nn + rz[q + this.constants.H] * (h[s] - nn);
}`;
export const SAVE_N = `function saveN(v) {
  return v;
}`;

/** d(pre_n) = dh' * (1 - z) * (1 - n^2) [B, H]. */
export const GB_D_PRE_N = `function (rz, n, dh) {
${STATE_POSITION}
  var nn = n[s];
  return dh[s] * (1 - rz[q + this.constants.H]) * (1 - nn * nn);
}`;

/** d(xp) [B, 3H] = [dr, dz, d(pre_n)], dr = dRh*h*sig'(r), dz = dh'*(h-n)*sig'(z). */
export const GB_D_XP = `function (rz, n, h, dh, dRh, slope) {
${GATE3_POSITION}
  var q = row * this.constants.G2 + j;
  if (k == 0) {
    return dRh[s] * h[s] * dgate_(rz[q], slope);
  }
  var z = rz[q + this.constants.H];
  var nn = n[s];
  if (k == 1) { return dh[s] * (h[s] - nn) * dgate_(z, slope); }
  return dh[s] * (1 - z) * (1 - nn * nn);
}`;

/** The direct part of d(h): dh' * z + dRh * r [B, H]. */
export const GB_DH_DIRECT = `function (rz, dh, dRh) {
${STATE_POSITION}
  return dh[s] * rz[q + this.constants.H] + dRh[s] * rz[q];
}`;
