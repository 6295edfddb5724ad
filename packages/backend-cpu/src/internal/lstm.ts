/**
 * The LSTM pointwise step and its backward, one pass over [B, H] each. Definitions (and the
 * gate layout i, f, g, o) are core's fallbacks in @recurrent/core internal/fallbacks.ts; `slope` is
 * the recurrent activation's (0: the logistic sigmoid; see scalar.ts's gate).
 */
import { gate, gateGrad } from './scalar.js';
import type { F32 } from './types.js';

/** xp + hp [B, 4H], c [B, H] -> h', c' [B, H] and the activated gates [B, 4H]. */
export function lstmCell(xp: F32, hp: F32, c: F32, hOut: F32, cOut: F32, gates: F32, batch: number, units: number, slope: number): void {
  const h2 = 2 * units;
  const h3 = 3 * units;
  for (let r = 0, g = 0, s = 0; r < batch; r++, g += 4 * units) {
    for (let j = 0; j < units; j++, s++) {
      const gi = g + j;
      const i = gate(xp[gi] + hp[gi], slope);
      const f = gate(xp[gi + units] + hp[gi + units], slope);
      const u = Math.tanh(xp[gi + h2] + hp[gi + h2]);
      const o = gate(xp[gi + h3] + hp[gi + h3], slope);
      const cNew = f * c[s] + i * u;
      gates[gi] = i;
      gates[gi + units] = f;
      gates[gi + h2] = u;
      gates[gi + h3] = o;
      cOut[s] = cNew;
      hOut[s] = o * Math.tanh(cNew);
    }
  }
}

/** Backward of lstmCell: dPre [B, 4H] and dcPrev [B, H] from dh', dc'. */
export function lstmCellGrad(
  gates: F32,
  cPrev: F32,
  c: F32,
  dh: F32,
  dc: F32,
  dPre: F32,
  dcPrev: F32,
  batch: number,
  units: number,
  slope: number,
): void {
  const h2 = 2 * units;
  const h3 = 3 * units;
  for (let r = 0, g = 0, s = 0; r < batch; r++, g += 4 * units) {
    for (let j = 0; j < units; j++, s++) {
      const gi = g + j;
      const i = gates[gi];
      const f = gates[gi + units];
      const u = gates[gi + h2];
      const o = gates[gi + h3];
      const tc = Math.tanh(c[s]);
      const dhs = dh[s];
      const dcTot = dc[s] + dhs * o * (1 - tc * tc);
      dPre[gi] = dcTot * u * gateGrad(i, slope);
      dPre[gi + units] = dcTot * cPrev[s] * gateGrad(f, slope);
      dPre[gi + h2] = dcTot * i * (1 - u * u);
      dPre[gi + h3] = dhs * tc * gateGrad(o, slope);
      dcPrev[s] = dcTot * f;
    }
  }
}
