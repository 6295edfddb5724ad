/**
 * The fused LSTM step (core's lstmCell / lstmCellGrad, gates i, f, g, o). Forward: one pass
 * over [B, 4H] writes the activated gates; one pass over [B, H] writes c' and h' (a kernel
 * map with two outputs where gpu.js has them, else a c' pass and an h' pass). Backward: one
 * pass over [B, 4H] for d(pre) and one over [B, H] for d(c_prev).
 * Constants: H (units), G = 4H. Gates i, f, o use the recurrent activation: argument `slope`
 * (helpers.ts gate_ / dgate_).
 */

/** The gate index k (0..3) and column j of flat index i in [B, 4H], and its state index s. */
const GATE_POSITION = `  var i = this.thread.x;
  var r = rowOf(i, this.constants.G);
  var col = i - r * this.constants.G;
  var k = 0;
  if (col >= this.constants.H) { k = 1; }
  if (col >= 2 * this.constants.H) { k = 2; }
  if (col >= 3 * this.constants.H) { k = 3; }
  var j = col - k * this.constants.H;
  var s = r * this.constants.H + j;
  var base = r * this.constants.G + j;`;

/** (xp, hp) [B, 4H] -> gates [B, 4H]: sig of i, f, o and tanh of g. */
export const LSTM_GATES = `function (xp, hp, slope) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.G);
  var col = i - r * this.constants.G;
  var pre = xp[i] + hp[i];
  if (col >= 2 * this.constants.H) {
    if (col < 3 * this.constants.H) { return tanh_(pre); }
  }
  return gate_(pre, slope);
}`;

/** The state index s of thread x in [B, H] and the offset of its i gate in [B, 4H]. */
const STATE_POSITION = `  var s = this.thread.x;
  var r = rowOf(s, this.constants.H);
  var base = s + r * (this.constants.G - this.constants.H);`;

/** c' = f*c + i*g from the gates [B, 4H] and c [B, H]. */
export const LSTM_C = `function (gates, c) {
${STATE_POSITION}
  return gates[base + this.constants.H] * c[s] + gates[base] * gates[base + 2 * this.constants.H];
}`;

/** h' = o * tanh(c') from the gates and c'. */
export const LSTM_H = `function (gates, cNew) {
${STATE_POSITION}
  return gates[base + 3 * this.constants.H] * tanh_(cNew[s]);
}`;

/** Kernel map: returns h' and stores c' through the saveC sub-kernel. */
export const LSTM_STATE_MAP = `function (gates, c) {
${STATE_POSITION}
  var cNew = saveC(gates[base + this.constants.H] * c[s] + gates[base] * gates[base + 2 * this.constants.H]);
  return gates[base + 3 * this.constants.H] * tanh_(cNew);
}`;
export const SAVE_C = `function saveC(v) {
  return v;
}`;

/**
 * d(pre) [B, 4H]: with dcTot = dc + dh * o * (1 - tanh(c')^2),
 * di = dcTot*g * sig'(i), df = dcTot*c * sig'(f), dg = dcTot*i * (1-g^2), do = dh*tanh(c') * sig'(o).
 */
export const LSTM_D_PRE = `function (gates, cPrev, c, dh, dc, slope) {
${GATE_POSITION}
  var gi = gates[base];
  var gf = gates[base + this.constants.H];
  var gg = gates[base + 2 * this.constants.H];
  var go = gates[base + 3 * this.constants.H];
  var tc = tanh_(c[s]);
  if (k == 3) { return dh[s] * tc * dgate_(go, slope); }
  var dcTot = dc[s] + dh[s] * go * (1 - tc * tc);
  if (k == 0) { return dcTot * gg * dgate_(gi, slope); }
  if (k == 1) { return dcTot * cPrev[s] * dgate_(gf, slope); }
  return dcTot * gi * (1 - gg * gg);
}`;

/** d(c_prev) [B, H] = dcTot * f. */
export const LSTM_DC_PREV = `function (gates, c, dh, dc) {
${STATE_POSITION}
  var tc = tanh_(c[s]);
  var go = gates[base + 3 * this.constants.H];
  return (dc[s] + dh[s] * go * (1 - tc * tc)) * gates[base + this.constants.H];
}`;
