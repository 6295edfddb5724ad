/**
 * The fused GRU reset-before step (Keras reset_after=False) and its backward (definitions:
 * core's internal/fallbacks.ts). The reset gate multiplies h before the n-gate matmul, so a
 * step is two matmuls with pointwise work around them:
 *   forward:  h@Wh[:, r|z] -> rz, r*h (two passes) -> (r*h)@Wh[:, n] -> n, h' (two passes);
 *   backward: d(pre_n) (one pass) -> @Wh[:, n]^T -> d(xp) [B, 3H] and the direct part of dh
 *             (two passes).
 * Four pointwise passes per step forward around the two matmuls, where the primitives take
 * eleven.
 */
import type { FusedKernels } from '@recurrent/core';
import { GATE_GLSL, gateSlope, SLOPE_UNIFORM } from './gate.js';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const H_UNIFORM = [{ name: 'uH', type: 'int' as const }];

/** rz = sig(xp[:, :2H] + hpRz) [B, 2H] (c is even, so xp's texels line up with the output's); sig: gate.ts. */
const RZ = defineProgram(['XP', 'HP'], [SLOPE_UNIFORM], `${GATE_GLSL}
  vec4 value(int r, int c) { return gate_(tex_XP(r, c) + tex_HP(r, c)); }`);

/** rh = r * h [B, H]. */
const RH = defineProgram(['RZ', 'H'], [], `vec4 value(int r, int c) { return tex_RZ(r, c) * tex_H(r, c); }`);

/** n = tanh(xp_n + hpN) [B, H]; xp_n starts at column 2H (even), so texels line up again. */
const N = defineProgram(['XP', 'HP'], H_UNIFORM, `vec4 value(int r, int c) { return tanh_(tex_XP(r, 2 * uH + c) + tex_HP(r, c)); }`);

/** h' = n + z*(h - n); z starts at column H, odd when H is, hence blk_. */
const STATE = defineProgram(['N', 'RZ', 'H'], H_UNIFORM, `vec4 value(int r, int c) {
    vec4 n = tex_N(r, c);
    return n + blk_RZ(r, uH + c) * (tex_H(r, c) - n);
  }`);

/** d(pre_n) = dh' * (1 - z) * (1 - n^2) [B, H]. */
const D_PRE_N = defineProgram(['RZ', 'N', 'DH'], H_UNIFORM, `vec4 value(int r, int c) {
    vec4 n = tex_N(r, c);
    return tex_DH(r, c) * (1.0 - blk_RZ(r, uH + c)) * (1.0 - n * n);
  }`);

/** d(xp) [B, 3H] = [dr, dz, d(pre_n)]; one column pair at a time (a texel may straddle two gates). */
const D_XP = defineProgram(['RZ', 'N', 'H', 'DH', 'DRH'], [...H_UNIFORM, SLOPE_UNIFORM], `${GATE_GLSL}
  vec2 grad(int r, int col) {
    int q = col / uH;
    int k = col - q * uH;
    if (q == 0) return col_DRH(r, k) * col_H(r, k) * dgate_(col_RZ(r, k));
    vec2 z = col_RZ(r, uH + k);
    vec2 n = col_N(r, k);
    vec2 dh = col_DH(r, k);
    if (q == 1) return dh * (col_H(r, k) - n) * dgate_(z);
    return dh * (1.0 - z) * (1.0 - n * n);
  }
  vec4 value(int r, int c) { vec2 a = grad(r, c); vec2 b = grad(r, c + 1); return vec4(a.x, b.x, a.y, b.y); }`);

/** The direct part of d(h): dh' * z + dRh * r [B, H]. */
const DH_DIRECT = defineProgram(['RZ', 'DH', 'DRH'], H_UNIFORM, `vec4 value(int r, int c) {
    return tex_DH(r, c) * blk_RZ(r, uH + c) + tex_DRH(r, c) * tex_RZ(r, c);
  }`);

type Names = 'gruBeforeGates' | 'gruBeforeState' | 'gruBeforeGradN' | 'gruBeforeGrad';

export function gruBeforeKernels(g: Gl): Pick<FusedKernels, Names> {
  return {
    gruBeforeGates: ([xp, hpRz, h], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [b, u] = out.rh as [number, number];
      const rz = g.run(RZ, [g.store.input(xp, 'gruBeforeGates'), g.store.input(hpRz, 'gruBeforeGates')], [b, 2 * u], [slope]);
      const rzInfo = g.store.input({ dataId: rz, shape: [b, 2 * u] }, 'gruBeforeGates');
      return { rz, rh: g.run(RH, [rzInfo, g.store.input(h, 'gruBeforeGates')], [b, u]) };
    },
    gruBeforeState: ([xp, hpN, rz, h], _attrs, out) => {
      const [b, u] = out.h as [number, number];
      const n = g.run(N, [g.store.input(xp, 'gruBeforeState'), g.store.input(hpN, 'gruBeforeState')], [b, u], [u]);
      const nInfo = g.store.input({ dataId: n, shape: [b, u] }, 'gruBeforeState');
      return { h: g.run(STATE, [nInfo, g.store.input(rz, 'gruBeforeState'), g.store.input(h, 'gruBeforeState')], [b, u], [u]), n };
    },
    gruBeforeGradN: ([rz, n, dh], _attrs, out) => {
      const [b, u] = out.dPreN as [number, number];
      const ins = [rz, n, dh].map((t) => g.store.input(t, 'gruBeforeGradN'));
      return { dPreN: g.run(D_PRE_N, ins, [b, u], [u]) };
    },
    gruBeforeGrad: ([rz, n, h, dh, dRh], { recurrentActivation }, out) => {
      const slope = gateSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [b, u] = out.dhDirect as [number, number];
      const [RZi, Ni, Hi, DHi, DRHi] = [rz, n, h, dh, dRh].map((t) => g.store.input(t, 'gruBeforeGrad'));
      return {
        dXp: g.run(D_XP, [RZi, Ni, Hi, DHi, DRHi], [b, 3 * u], [u, slope]),
        dhDirect: g.run(DH_DIRECT, [RZi, DHi, DRHi], [b, u], [u]),
      };
    },
  };
}
