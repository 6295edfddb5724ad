/**
 * Recurrent dropout: the previous hidden state is multiplied by a fixed [B, H] mask (the same
 * at every step, one mask shared by all gates) wherever it enters a recurrent matmul; the GRU
 * carry z * h_{t-1} uses the unmasked state, as in Keras. The result is a core `Cell`, so
 * core's BPTT loop (rnnForward / rnnBackward) runs unchanged.
 *
 *  - SimpleRNN and LSTM use h only in the recurrent matmul: the wrapper masks the state it
 *    passes to core's own cell step and multiplies the cell's d(h_prev) by the same mask.
 *  - GRU also carries h: its two variants are written here with core's ops (the reset-after
 *    one with core's fused gruCell / gruCellGrad), taking the matmul input and the carry apart.
 *
 * Keras 3 draws one mask per gate (its "implementation 1"); we share one mask across the
 * gates, as tf.keras 2's implementation 2 did (Gal and Ghahramani's tied variant).
 */
import { recurrentGate, recurrentGateGrad, type Cell, type Engine, type Tensor } from '@recurrent/core';

/** SimpleRNN / LSTM: mask the state entering core's cell step. */
function maskedInput(cell: Cell, mask: Tensor): Cell {
  return {
    config: cell.config,
    gates: cell.gates,
    hasCellState: cell.hasCellState,
    prepare: (e, p) => cell.prepare(e, p),
    step: (e, p, prep, xp, state) => cell.step(e, p, prep, xp, { h: e.mul(state.h, mask), c: state.c }),
    stepBackward(e, p, prep, cache, d) {
      const g = cell.stepBackward(e, p, prep, cache, d);
      return { ...g, dState: { h: e.mul(g.dState.h, mask), c: g.dState.c } };
    },
  };
}

/** GRU reset-after: hp = (h*m) @ Wh + bh; h' = (1-z) n + z h. */
function gruResetAfter(cell: Cell, mask: Tensor): Cell {
  const act = { recurrentActivation: cell.config.recurrentActivation };
  return {
    config: cell.config,
    gates: 3,
    hasCellState: false,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }) {
      const hm = e.mul(h, mask);
      const hp = e.matmul(hm, p.Wh, { bias: p.bh });
      const out = e.fused('gruCell', [xp, hp, h], act);
      return { state: { h: out.h }, cache: { hPrev: h, hm, cache: out.cache } };
    },
    stepBackward(e, p, _prep, { hPrev, hm, cache }, d) {
      const { dXp, dHp, dhDirect } = e.fused('gruCellGrad', [cache, hPrev, d.h], act);
      const dhm = e.matmul(dHp, p.Wh, { transposeB: true });
      return { dXp, dState: { h: e.add(dhDirect, e.mul(dhm, mask)) }, wh: [{ input: hm, dOut: dHp }] };
    },
  };
}

/** GRU reset-before: r, z = sig((h*m) @ Wh[:, r|z] + ...) (sig: the cell's recurrentActivation); n = tanh(xp_n + (r * h*m) @ Wh[:, n] + b_hn); h' = n + z (h - n). */
function gruResetBefore(cell: Cell, mask: Tensor): Cell {
  const H = cell.config.units;
  const act = cell.config.recurrentActivation;
  const slice = (e: Engine, v: Tensor, start: number, size: number): Tensor =>
    e.scope(() => e.sliceCols(v.reshape([1, v.shape[0]]), start, size).reshape([size]));
  return {
    config: cell.config,
    gates: 3,
    hasCellState: false,
    prepare(e, p) {
      const prep: Record<string, Tensor> = { whRz: e.sliceCols(p.Wh, 0, 2 * H), whN: e.sliceCols(p.Wh, 2 * H, H) };
      if (p.bh) {
        prep.bhRz = slice(e, p.bh, 0, 2 * H);
        prep.bhN = slice(e, p.bh, 2 * H, H);
      }
      return prep;
    },
    step(e, _p, prep, xp, { h }) {
      const hm = e.mul(h, mask);
      const rz = recurrentGate(e, e.add(e.sliceCols(xp, 0, 2 * H), e.matmul(hm, prep.whRz, { bias: prep.bhRz })), act);
      const r = e.sliceCols(rz, 0, H);
      const z = e.sliceCols(rz, H, H);
      const rh = e.mul(r, hm);
      const n = e.tanh(e.add(e.sliceCols(xp, 2 * H, H), e.matmul(rh, prep.whN, { bias: prep.bhN })));
      return { state: { h: e.add(n, e.mul(z, e.sub(h, n))) }, cache: { hPrev: h, hm, r, z, rh, n } };
    },
    stepBackward(e, _p, prep, { hPrev, hm, r, z, rh, n }, d) {
      const dPreN = e.tanhGrad(n, e.mul(d.h, e.affine(z, -1, 1)));
      const dz = recurrentGateGrad(e, z, e.mul(d.h, e.sub(hPrev, n)), act);
      const dRh = e.matmul(dPreN, prep.whN, { transposeB: true });
      const dr = recurrentGateGrad(e, r, e.mul(dRh, hm), act);
      const dRz = e.concatCols([dr, dz]);
      const dhm = e.add(e.mul(dRh, r), e.matmul(dRz, prep.whRz, { transposeB: true }));
      return {
        dXp: e.concatCols([dr, dz, dPreN]),
        dState: { h: e.add(e.mul(d.h, z), e.mul(dhm, mask)) },
        wh: [
          { input: hm, dOut: dRz },
          { input: rh, dOut: dPreN },
        ],
      };
    },
  };
}

/** `cell` with recurrent dropout mask `mask` [B, units]. */
export function withRecurrentDropout(cell: Cell, mask: Tensor): Cell {
  if (cell.config.kind !== 'gru') return maskedInput(cell, mask);
  return cell.config.resetAfter ? gruResetAfter(cell, mask) : gruResetBefore(cell, mask);
}
