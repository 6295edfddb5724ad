/**
 * The GRU (reset-after) pointwise step and its backward, one pass over [B, H] each.
 * Definitions and the cache layout [r, z, n, hp_n] are core's fallbacks; `slope` is the recurrent
 * activation's (0: the logistic sigmoid; see scalar.ts's gate).
 */
import { gate, gateGrad } from './scalar.js';
import type { F32 } from './types.js';

/** xp, hp [B, 3H], h [B, H] -> h' [B, H] and cache [B, 4H]. */
export function gruCell(xp: F32, hp: F32, h: F32, hOut: F32, cache: F32, batch: number, units: number, slope: number): void {
  const h2 = 2 * units;
  const h3 = 3 * units;
  for (let r = 0, p = 0, q = 0, s = 0; r < batch; r++, p += h3, q += 4 * units) {
    for (let j = 0; j < units; j++, s++) {
      const pj = p + j;
      const rg = gate(xp[pj] + hp[pj], slope);
      const z = gate(xp[pj + units] + hp[pj + units], slope);
      const hpn = hp[pj + h2];
      const n = Math.tanh(xp[pj + h2] + rg * hpn);
      const qj = q + j;
      cache[qj] = rg;
      cache[qj + units] = z;
      cache[qj + h2] = n;
      cache[qj + h3] = hpn;
      hOut[s] = n + z * (h[s] - n);
    }
  }
}

/** Backward of gruCell: dXp, dHp [B, 3H] and the direct part of dh, dh' * z [B, H]. */
export function gruCellGrad(
  cache: F32,
  h: F32,
  dh: F32,
  dXp: F32,
  dHp: F32,
  dhDirect: F32,
  batch: number,
  units: number,
  slope: number,
): void {
  const h2 = 2 * units;
  const h3 = 3 * units;
  for (let r = 0, p = 0, q = 0, s = 0; r < batch; r++, p += h3, q += 4 * units) {
    for (let j = 0; j < units; j++, s++) {
      const qj = q + j;
      const rg = cache[qj];
      const z = cache[qj + units];
      const n = cache[qj + h2];
      const hpn = cache[qj + h3];
      const d = dh[s];
      const dn = d * (1 - z) * (1 - n * n);
      const dz = d * (h[s] - n) * gateGrad(z, slope);
      const dr = dn * hpn * gateGrad(rg, slope);
      const pj = p + j;
      dXp[pj] = dr;
      dXp[pj + units] = dz;
      dXp[pj + h2] = dn;
      dHp[pj] = dr;
      dHp[pj + units] = dz;
      dHp[pj + h2] = dn * rg;
      dhDirect[s] = d * z;
    }
  }
}

/*
 * GRU reset-before (Keras reset_after=False): the two pointwise halves of a step around the
 * n-gate matmul, and the two halves of its backward (definitions: core's fallbacks).
 */

/** xp [B, 3H], hpRz [B, 2H], h [B, H] -> rz = sig(xp[:, :2H] + hpRz) [B, 2H], rh = r*h [B, H]. */
export function gruBeforeGates(xp: F32, hpRz: F32, h: F32, rz: F32, rh: F32, batch: number, units: number, slope: number): void {
  const h2 = 2 * units;
  for (let r = 0, p = 0, q = 0, s = 0; r < batch; r++, p += 3 * units, q += h2) {
    for (let j = 0; j < h2; j++) rz[q + j] = gate(xp[p + j] + hpRz[q + j], slope);
    for (let j = 0; j < units; j++, s++) rh[s] = rz[q + j] * h[s];
  }
}

/** xp [B, 3H], hpN [B, H], rz [B, 2H], h [B, H] -> n = tanh(xp_n + hpN), h' = n + z*(h - n). */
export function gruBeforeState(xp: F32, hpN: F32, rz: F32, h: F32, hOut: F32, nOut: F32, batch: number, units: number): void {
  for (let r = 0, p = 2 * units, q = units, s = 0; r < batch; r++, p += 3 * units, q += 2 * units) {
    for (let j = 0; j < units; j++, s++) {
      const n = Math.tanh(xp[p + j] + hpN[s]);
      nOut[s] = n;
      hOut[s] = n + rz[q + j] * (h[s] - n);
    }
  }
}

/** d(pre_n) = dh' * (1 - z) * (1 - n^2) [B, H]. */
export function gruBeforeGradN(rz: F32, n: F32, dh: F32, dPreN: F32, batch: number, units: number): void {
  for (let r = 0, q = units, s = 0; r < batch; r++, q += 2 * units) {
    for (let j = 0; j < units; j++, s++) dPreN[s] = dh[s] * (1 - rz[q + j]) * (1 - n[s] * n[s]);
  }
}

/** d(xp) = [dr, dz, d(pre_n)] [B, 3H] and dhDirect = dh'*z + dRh*r [B, H]. */
export function gruBeforeGrad(
  rz: F32,
  n: F32,
  h: F32,
  dh: F32,
  dRh: F32,
  dXp: F32,
  dhDirect: F32,
  batch: number,
  units: number,
  slope: number,
): void {
  for (let r = 0, p = 0, q = 0, s = 0; r < batch; r++, p += 3 * units, q += 2 * units) {
    for (let j = 0; j < units; j++, s++) {
      const rg = rz[q + j];
      const z = rz[q + units + j];
      const d = dh[s];
      const nn = n[s];
      dXp[p + j] = dRh[s] * h[s] * gateGrad(rg, slope);
      dXp[p + units + j] = d * (h[s] - nn) * gateGrad(z, slope);
      dXp[p + 2 * units + j] = d * (1 - z) * (1 - nn * nn);
      dhDirect[s] = d * z + dRh[s] * rg;
    }
  }
}
