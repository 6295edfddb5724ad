import type { Cell, CellConfig } from './cell.js';

/**
 * GRU, reset-after (PyTorch, Keras 3 default, cuDNN):
 *   r = sig(xp_r + hp_r), z = sig(xp_z + hp_z) (sig: config.recurrentActivation), n = tanh(xp_n + r * hp_n), h' = (1-z) n + z h,
 * with hp = h@Wh + bh. The pointwise part is the fused op `gruCell`.
 */
export function gruResetAfterCell(config: Required<CellConfig>): Cell {
  const act = { recurrentActivation: config.recurrentActivation };
  return {
    config,
    gates: 3,
    hasCellState: false,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }) {
      const hp = e.matmul(h, p.Wh, { bias: p.bh });
      const out = e.fused('gruCell', [xp, hp, h], act);
      return { state: { h: out.h }, cache: { hPrev: h, cache: out.cache } };
    },
    stepBackward(e, p, _prep, { hPrev, cache }, d) {
      const { dXp, dHp, dhDirect } = e.fused('gruCellGrad', [cache, hPrev, d.h], act);
      return {
        dXp,
        dState: { h: e.add(dhDirect, e.matmul(dHp, p.Wh, { transposeB: true })) },
        wh: [{ input: hPrev, dOut: dHp }],
      };
    },
  };
}

/**
 * GRU, reset-before (Cho et al. 2014, Keras reset_after=False):
 *   n = tanh(xp_n + (r*h) @ W_hn + b_hn). The reset gate multiplies h before the n-matmul, so
 * the recurrent matmul is split in two: h @ Wh[:, r|z] and (r*h) @ Wh[:, n]. The pointwise
 * parts between them are the fused ops gruBeforeGates / gruBeforeState (and their backwards).
 */
export function gruResetBeforeCell(config: Required<CellConfig>): Cell {
  const H = config.units;
  const act = { recurrentActivation: config.recurrentActivation };
  return {
    config,
    gates: 3,
    hasCellState: false,
    prepare(e, p) {
      const prep = { whRz: e.sliceCols(p.Wh, 0, 2 * H), whN: e.sliceCols(p.Wh, 2 * H, H) };
      if (!p.bh) return prep;
      const bh2 = p.bh.reshape([1, 3 * H]);
      const bhRz = e.sliceCols(bh2, 0, 2 * H);
      const bhN = e.sliceCols(bh2, 2 * H, H);
      const out = { ...prep, bhRz: bhRz.reshape([2 * H]), bhN: bhN.reshape([H]) };
      bh2.dispose();
      bhRz.dispose();
      bhN.dispose();
      return out;
    },
    step(e, _p, prep, xp, { h }) {
      const hpRz = e.matmul(h, prep.whRz, { bias: prep.bhRz });
      const { rz, rh } = e.fused('gruBeforeGates', [xp, hpRz, h], act);
      const hpN = e.matmul(rh, prep.whN, { bias: prep.bhN });
      const { h: hNew, n } = e.fused('gruBeforeState', [xp, hpN, rz, h], {});
      return { state: { h: hNew }, cache: { hPrev: h, rz, rh, n } };
    },
    stepBackward(e, _p, prep, { hPrev, rz, rh, n }, d) {
      const { dPreN } = e.fused('gruBeforeGradN', [rz, n, d.h], {});
      const dRh = e.matmul(dPreN, prep.whN, { transposeB: true });
      const { dXp, dhDirect } = e.fused('gruBeforeGrad', [rz, n, hPrev, d.h, dRh], act);
      const dRz = e.sliceCols(dXp, 0, 2 * H);
      return {
        dXp,
        dState: { h: e.add(dhDirect, e.matmul(dRz, prep.whRz, { transposeB: true })) },
        wh: [
          { input: hPrev, dOut: dRz },
          { input: rh, dOut: dPreN },
        ],
      };
    },
  };
}
