/**
 * The fused GRU (reset-after) step and its backward (definitions: core's internal/fallbacks.ts).
 * Forward: two passes, h' and the cache [r, z, n, hp_n] backward needs. Backward: three passes,
 * d(xp) and d(hp) (one program; they differ only in the n columns) and the direct part of dh.
 * Gates r, z use the recurrent activation (gate.ts: uniform uSlope).
 */
import type { FusedKernels } from '@recurrent/core';
import { GATE_GLSL, gateSlope, SLOPE_UNIFORM } from './gate.js';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const STATE = defineProgram(
  ['XP', 'HP', 'H'],
  [{ name: 'uH', type: 'int' }, SLOPE_UNIFORM],
  `${GATE_GLSL}
  vec4 value(int r, int c) {
    vec4 rr = gate_(blk_XP(r, c) + blk_HP(r, c));
    vec4 z = gate_(blk_XP(r, uH + c) + blk_HP(r, uH + c));
    vec4 n = tanh_(blk_XP(r, 2 * uH + c) + rr * blk_HP(r, 2 * uH + c));
    return n + z * (tex_H(r, c) - n);
  }`,
);

/** cache [B, 4H] = [r, z, n, hp_n]; one column pair at a time. */
const CACHE = defineProgram(
  ['XP', 'HP'],
  [{ name: 'uH', type: 'int' }, SLOPE_UNIFORM],
  `${GATE_GLSL}
  vec2 cache(int r, int col) {
    int q = col / uH;
    int k = col - q * uH;
    if (q >= 3) return col_HP(r, 2 * uH + k);
    if (q == 1) return gate_(col_XP(r, uH + k) + col_HP(r, uH + k));
    vec2 rr = gate_(col_XP(r, k) + col_HP(r, k));
    if (q == 0) return rr;
    return tanh_(col_XP(r, 2 * uH + k) + rr * col_HP(r, 2 * uH + k));
  }
  vec4 value(int r, int c) { vec2 a = cache(r, c); vec2 b = cache(r, c + 1); return vec4(a.x, b.x, a.y, b.y); }`,
);

/** d(xp) (uWhich 0: [dr, dz, dn]) or d(hp) (uWhich 1: [dr, dz, dn * r]) [B, 3H]. */
const D_GATES = defineProgram(
  ['CA', 'H', 'DH'],
  [
    { name: 'uH', type: 'int' },
    { name: 'uWhich', type: 'int' },
    SLOPE_UNIFORM,
  ],
  `${GATE_GLSL}
  vec2 grad(int r, int col) {
    int q = col / uH;
    int k = col - q * uH;
    vec2 z = col_CA(r, uH + k);
    vec2 n = col_CA(r, 2 * uH + k);
    vec2 dh = col_DH(r, k);
    if (q == 1) return dh * (col_H(r, k) - n) * dgate_(z);
    vec2 dn = dh * (1.0 - z) * (1.0 - n * n);
    vec2 rr = col_CA(r, k);
    if (q == 0) return dn * col_CA(r, 3 * uH + k) * dgate_(rr);
    return uWhich == 0 ? dn : dn * rr;
  }
  vec4 value(int r, int c) { vec2 a = grad(r, c); vec2 b = grad(r, c + 1); return vec4(a.x, b.x, a.y, b.y); }`,
);

const DH_DIRECT = defineProgram(['CA', 'DH'], [{ name: 'uH', type: 'int' }], `vec4 value(int r, int c) { return tex_DH(r, c) * blk_CA(r, uH + c); }`);

export function gruKernels(g: Gl): Pick<FusedKernels, 'gruCell' | 'gruCellGrad'> {
  return {
    gruCell: ([xp, hp, h], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const ins = [g.store.input(xp, 'gruCell'), g.store.input(hp, 'gruCell'), g.store.input(h, 'gruCell')];
      const [b, u] = out.h as [number, number];
      return { h: g.run(STATE, ins, [b, u], [u, slope]), cache: g.run(CACHE, ins.slice(0, 2), [b, 4 * u], [u, slope]) };
    },
    gruCellGrad: ([cache, h, dh], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const ins = [g.store.input(cache, 'gruCellGrad'), g.store.input(h, 'gruCellGrad'), g.store.input(dh, 'gruCellGrad')];
      const [b, u] = out.dhDirect as [number, number];
      return {
        dXp: g.run(D_GATES, ins, [b, 3 * u], [u, 0, slope]),
        dHp: g.run(D_GATES, ins, [b, 3 * u], [u, 1, slope]),
        dhDirect: g.run(DH_DIRECT, [ins[0], ins[2]], [b, u], [u]),
      };
    },
  };
}
