/**
 * The fused LSTM step and its backward (definitions: core's internal/fallbacks.ts).
 *
 * Forward: three passes, each reading xp, hp (the two matmul results) and c once per texel and
 * recomputing the gate activations (cheap next to a texture fetch): h', c', and the gate
 * activations backward needs. A WebGL fragment shader writes one texture, so three outputs are
 * three passes; the primitive fallback takes 15.
 * Backward: two passes, d(pre) [B, 4H] and d(c_prev) [B, H].
 * Gates i, f, o use the recurrent activation (gate.ts: uniform uSlope).
 */
import type { FusedKernels } from '@recurrent/core';
import { GATE_GLSL, gateSlope, SLOPE_UNIFORM } from './gate.js';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

/** h' (uWhich 0) or c' (uWhich 1) for the block at (b, k). */
const STATE = defineProgram(
  ['XP', 'HP', 'C'],
  [
    { name: 'uH', type: 'int' },
    { name: 'uWhich', type: 'int' },
    SLOPE_UNIFORM,
  ],
  `${GATE_GLSL}
  vec4 value(int r, int c) {
    vec4 i = gate_(blk_XP(r, c) + blk_HP(r, c));
    vec4 f = gate_(blk_XP(r, uH + c) + blk_HP(r, uH + c));
    vec4 g = tanh_(blk_XP(r, 2 * uH + c) + blk_HP(r, 2 * uH + c));
    vec4 cn = f * tex_C(r, c) + i * g;
    if (uWhich == 1) return cn;
    vec4 o = gate_(blk_XP(r, 3 * uH + c) + blk_HP(r, 3 * uH + c));
    return o * tanh_(cn);
  }`,
);

/** Gate activations [B, 4H]: column j is gate j / H (tanh for g, the recurrent activation for i, f, o). */
const GATES = defineProgram(
  ['XP', 'HP'],
  [{ name: 'uH', type: 'int' }, SLOPE_UNIFORM],
  `${GATE_GLSL}
  float act(int q, float v) { return q == 2 ? tanh_(v) : gate_(v); }
  vec4 value(int r, int c) {
    vec4 p = tex_XP(r, c) + tex_HP(r, c);
    int q0 = c / uH;
    int q1 = (c + 1) / uH;
    return vec4(act(q0, p.x), act(q1, p.y), act(q0, p.z), act(q1, p.w));
  }`,
);

/** d(pre) [B, 4H] from gates G, c_prev CP, c CN, dh DH, dc DC; one column pair at a time. */
const D_PRE = defineProgram(
  ['G', 'CP', 'CN', 'DH', 'DC'],
  [{ name: 'uH', type: 'int' }, SLOPE_UNIFORM],
  `${GATE_GLSL}
  vec2 dpre(int r, int col) {
    int q = col / uH;
    int k = col - q * uH;
    vec2 o = col_G(r, 3 * uH + k);
    vec2 tc = tanh_(col_CN(r, k));
    vec2 dh = col_DH(r, k);
    if (q >= 3) return dh * tc * dgate_(o);
    vec2 dcTot = col_DC(r, k) + dh * o * (1.0 - tc * tc);
    if (q == 0) return dcTot * col_G(r, 2 * uH + k) * dgate_(col_G(r, k));
    if (q == 1) return dcTot * col_CP(r, k) * dgate_(col_G(r, uH + k));
    vec2 g = col_G(r, 2 * uH + k);
    return dcTot * col_G(r, k) * (1.0 - g * g);
  }
  vec4 value(int r, int c) { vec2 a = dpre(r, c); vec2 b = dpre(r, c + 1); return vec4(a.x, b.x, a.y, b.y); }`,
);

/** d(c_prev) = (dc + dh * o * (1 - tanh(c)^2)) * f for the block at (b, k). */
const D_C_PREV = defineProgram(
  ['G', 'CN', 'DH', 'DC'],
  [{ name: 'uH', type: 'int' }],
  `vec4 value(int r, int c) {
    vec4 o = blk_G(r, 3 * uH + c);
    vec4 tc = tanh_(tex_CN(r, c));
    vec4 dcTot = tex_DC(r, c) + tex_DH(r, c) * o * (1.0 - tc * tc);
    return dcTot * blk_G(r, uH + c);
  }`,
);

export function lstmKernels(g: Gl): Pick<FusedKernels, 'lstmCell' | 'lstmCellGrad'> {
  return {
    lstmCell: ([xp, hp, c], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const ins = [g.store.input(xp, 'lstmCell'), g.store.input(hp, 'lstmCell'), g.store.input(c, 'lstmCell')];
      const [b, h] = out.h as [number, number];
      return {
        h: g.run(STATE, ins, [b, h], [h, 0, slope]),
        c: g.run(STATE, ins, [b, h], [h, 1, slope]),
        gates: g.run(GATES, ins.slice(0, 2), [b, 4 * h], [h, slope]),
      };
    },
    lstmCellGrad: ([gates, cPrev, c, dh, dc], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [G, CP, CN, DH, DC] = [gates, cPrev, c, dh, dc].map((t) => g.store.input(t, 'lstmCellGrad'));
      const [b, h] = out.dcPrev as [number, number];
      return {
        dPre: g.run(D_PRE, [G, CP, CN, DH, DC], [b, 4 * h], [h, slope]),
        dcPrev: g.run(D_C_PREV, [G, CN, DH, DC], [b, h], [h]),
      };
    },
  };
}
