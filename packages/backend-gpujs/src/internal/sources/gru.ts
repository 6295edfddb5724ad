/**
 * The fused GRU (reset-after) step, core's gruCell / gruCellGrad with gates r, z, n.
 * Forward: one pass over [B, 4H] writes the cache [r, z, n, hp_n]; one pass over [B, H]
 * writes h' = n + z*(h - n). Backward: d(xp) and d(hp) [B, 3H] in one pass (a kernel map)
 * where gpu.js has kernel maps, else two; d(h) direct part [B, H] in one.
 * Constants: H (units), G3 = 3H, G4 = 4H. Gates r, z use the recurrent activation: argument
 * `slope` (helpers.ts gate_ / dgate_).
 */

/** (xp, hp) [B, 3H] -> cache [B, 4H] = [r, z, n, hp_n]. */
export const GRU_CACHE = `function (xp, hp, slope) {
  var i = this.thread.x;
  var row = rowOf(i, this.constants.G4);
  var col = i - row * this.constants.G4;
  var b3 = row * this.constants.G3;
  if (col < this.constants.H) { return gate_(xp[b3 + col] + hp[b3 + col], slope); }
  if (col < 2 * this.constants.H) { return gate_(xp[b3 + col] + hp[b3 + col], slope); }
  var j = col - 2 * this.constants.H;
  if (col < 3 * this.constants.H) {
    var rg = gate_(xp[b3 + j] + hp[b3 + j], slope);
    return tanh_(xp[b3 + col] + rg * hp[b3 + col]);
  }
  return hp[b3 + col - this.constants.H];
}`;

/** The state index s of thread x in [B, H] and the offset of its r gate in the cache [B, 4H]. */
const STATE_POSITION = `  var s = this.thread.x;
  var row = rowOf(s, this.constants.H);
  var j = s - row * this.constants.H;
  var c4 = row * this.constants.G4 + j;`;

/** h' = n + z*(h - n) from the cache. */
export const GRU_H = `function (cache, h) {
${STATE_POSITION}
  var n = cache[c4 + 2 * this.constants.H];
  return n + cache[c4 + this.constants.H] * (h[s] - n);
}`;

/**
 * Thread x's place in a [B, 3H] output: its row, gate k (0 r, 1 z, 2 n), column j within the
 * gate, and the state index s in [B, H]. Shared with the reset-before kernels.
 */
export const GATE3_POSITION = `  var i = this.thread.x;
  var row = rowOf(i, this.constants.G3);
  var col = i - row * this.constants.G3;
  var k = 0;
  if (col >= this.constants.H) { k = 1; }
  if (col >= 2 * this.constants.H) { k = 2; }
  var j = col - k * this.constants.H;
  var s = row * this.constants.H + j;`;

/** The gradient of one column of [B, 3H]: the r, z and n parts shared by d(xp) and d(hp). */
const GRAD_POSITION = `${GATE3_POSITION}
  var c4 = row * this.constants.G4 + j;
  var r = cache[c4];
  var z = cache[c4 + this.constants.H];
  var n = cache[c4 + 2 * this.constants.H];
  var hpn = cache[c4 + 3 * this.constants.H];
  var d = dh[s];
  var dn = d * (1 - z) * (1 - n * n);`;

/** d(xp) [B, 3H] = [dr, dz, dn]. */
export const GRU_D_XP = `function (cache, h, dh, slope) {
${GRAD_POSITION}
  if (k == 0) { return dn * hpn * dgate_(r, slope); }
  if (k == 1) { return d * (h[s] - n) * dgate_(z, slope); }
  return dn;
}`;

/** d(hp) [B, 3H] = [dr, dz, dn*r]. */
export const GRU_D_HP = `function (cache, h, dh, slope) {
${GRAD_POSITION}
  if (k == 0) { return dn * hpn * dgate_(r, slope); }
  if (k == 1) { return d * (h[s] - n) * dgate_(z, slope); }
  return dn * r;
}`;

/** Kernel map: returns d(xp) and stores d(hp) through the saveDHp sub-kernel. */
export const GRU_D_MAP = `function (cache, h, dh, slope) {
${GRAD_POSITION}
  var v = dn;
  var w = dn * r;
  if (k == 0) {
    v = dn * hpn * dgate_(r, slope);
    w = v;
  }
  if (k == 1) {
    v = d * (h[s] - n) * dgate_(z, slope);
    w = v;
  }
  saveDHp(w);
  return v;
}`;
export const SAVE_DHP = `function saveDHp(v) {
  return v;
}`;

/** The direct part of d(h): dh * z. */
export const GRU_DH_DIRECT = `function (cache, dh) {
${STATE_POSITION}
  return dh[s] * cache[c4 + this.constants.H];
}`;
