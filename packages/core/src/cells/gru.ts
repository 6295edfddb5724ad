import type { Tensor } from '../engine.js';
import { stepOf } from '../internal/fallbacks.js';
import type { RecurrentActivation } from '../recurrent-activation.js';
import type { Cell, CellConfig } from './cell.js';
import { CELL_FACTS, GATES } from './facts.js';
import { gateBlocks } from './gates.js';
import { gateMasks, projectRecurrent, projectRecurrentGrad } from './recurrent-input.js';

const G = GATES.gru;
const facts = { gates: G, hasCellState: CELL_FACTS.gru.hasCellState };

/** A GRU's whole-sequence forward through `op` (one per variant), when the backend has it (Cell.sequence). */
function sequenceOf(op: 'gruSequence' | 'gruBeforeSequence', act: { recurrentActivation: RecurrentActivation }): NonNullable<Cell['sequence']> {
  return (e, p, xp, { h }) => {
    if (typeof e.backend.fused[op] !== 'function' || !e.useFused) return undefined;
    const out = e.fused(op, p.bh ? [xp, p.Wh, h, p.bh] : [xp, p.Wh, h], act);
    return { y: out.y, state: { h: out.h }, seq: { hIn: out.hIn, cache: out.cache } };
  };
}

export type GruResetAfterCache = { hPrev: Tensor; hIn: Tensor[]; cache: Tensor };

/**
 * GRU, reset-after (PyTorch, Keras 3 default, cuDNN):
 *   r = sig(xp_r + hp_r), z = sig(xp_z + hp_z) (sig: config.recurrentActivation), n = tanh(xp_n + r * hp_n), h' = (1-z) n + z h,
 * with hp = h@Wh + bh (h masked there only, under recurrent dropout). The pointwise part is the fused op `gruCell`.
 */
export function gruResetAfterCell(config: Required<CellConfig>): Cell<GruResetAfterCache> {
  const act = { recurrentActivation: config.recurrentActivation };
  return {
    config,
    ...facts,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }, mask) {
      const { hp, inputs } = projectRecurrent(e, h, p.Wh, p.bh, mask);
      const out = e.fused('gruCell', [xp, hp, h], act);
      return { state: { h: out.h }, cache: { hPrev: h, hIn: inputs, cache: out.cache } };
    },
    stepBackward(e, p, _prep, { hPrev, hIn, cache }, d, mask) {
      const { dXp, dHp, dhDirect } = e.fused('gruCellGrad', [cache, hPrev, d.h], act);
      const { dh, wh } = projectRecurrentGrad(e, dHp, p.Wh, hIn, mask);
      return { dXp, dState: { h: e.add(dhDirect, dh) }, wh };
    },
    sequence: sequenceOf('gruSequence', act),
    sequenceBackward(e, p, { hIn, cache }, _state0, d, dy) {
      const g = e.fused('gruSequenceGrad', dy ? [cache, hIn, p.Wh, d.h, dy] : [cache, hIn, p.Wh, d.h], act);
      return { dXp: g.dXp, dHp: g.dHp, hIn, dState0: { h: g.dh0 } };
    },
    sequenceStep(e, { hIn, cache }, _state0, final, t) {
      const hPrev = stepOf(e, hIn, t);
      const next = t < hIn.shape[0] - 1 ? { h: stepOf(e, hIn, t + 1) } : final;
      return { cache: { hPrev, hIn: [hPrev], cache: stepOf(e, cache, t) }, state: next };
    },
    gateActivations: (e, { cache }) => gateBlocks(e, cache, config.units, G),
  };
}

export type GruResetBeforePrep = { whRz: Tensor; whN: Tensor; bhRz?: Tensor; bhN?: Tensor };
export type GruResetBeforeCache = { hPrev: Tensor; hIn: Tensor[]; rz: Tensor; rh: Tensor; n: Tensor };

/**
 * GRU, reset-before (Cho et al. 2014, Keras reset_after=False):
 *   n = tanh(xp_n + (r*h) @ W_hn + b_hn). The reset gate multiplies h before the n-matmul, so
 * the recurrent matmul is split in two: h @ Wh[:, r|z] and (r*h) @ Wh[:, n]. The pointwise
 * parts between them are the fused ops gruBeforeGates / gruBeforeState (and their backwards).
 * Under recurrent dropout h is masked in both matmuls (r * (h*m_n) in the second), not in the
 * carry z*h: gruBeforeGates gets h*m_n, gruBeforeState h, and gruBeforeGrad d(r*h)*m_n, which
 * gives d r = sig' * d(rh) * (h*m_n) and the direct d h = dh*z + (d(rh)*r)*m_n exactly.
 */
export function gruResetBeforeCell(config: Required<CellConfig>): Cell<GruResetBeforeCache, GruResetBeforePrep> {
  const H = config.units;
  const act = { recurrentActivation: config.recurrentActivation };
  const nMask = (mask: readonly Tensor[] | undefined) => mask?.[mask.length - 1];
  return {
    config,
    ...facts,
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
    step(e, _p, prep, xp, { h }, mask) {
      const { hp: hpRz, inputs } = projectRecurrent(e, h, prep.whRz, prep.bhRz, gateMasks(mask, 0, 2));
      const mN = nMask(mask);
      const { rz, rh } = e.fused('gruBeforeGates', [xp, hpRz, mN ? e.mul(h, mN) : h], act);
      const hpN = e.matmul(rh, prep.whN, { bias: prep.bhN });
      const { h: hNew, n } = e.fused('gruBeforeState', [xp, hpN, rz, h], {});
      return { state: { h: hNew }, cache: { hPrev: h, hIn: inputs, rz, rh, n } };
    },
    stepBackward(e, _p, prep, { hPrev, hIn, rz, rh, n }, d, mask) {
      const { dPreN } = e.fused('gruBeforeGradN', [rz, n, d.h], {});
      const dRh = e.matmul(dPreN, prep.whN, { transposeB: true });
      const mN = nMask(mask);
      const { dXp, dhDirect } = e.fused('gruBeforeGrad', [rz, n, hPrev, d.h, mN ? e.mul(dRh, mN) : dRh], act);
      const { dh, wh } = projectRecurrentGrad(e, e.sliceCols(dXp, 0, 2 * H), prep.whRz, hIn, gateMasks(mask, 0, 2));
      return { dXp, dState: { h: e.add(dhDirect, dh) }, wh: [...wh, { input: rh, dOut: dPreN }] };
    },
    sequence: sequenceOf('gruBeforeSequence', act),
    sequenceBackward(e, p, { hIn, cache }, _state0, d, dy) {
      const g = e.fused('gruBeforeSequenceGrad', dy ? [cache, hIn, p.Wh, d.h, dy] : [cache, hIn, p.Wh, d.h], act);
      // The two recurrent matmuls' weight gradients: h into the r|z columns, r*h (cache's last block) into n.
      const [T, B] = hIn.shape;
      const dX = g.dXp.reshape([T * B, 3 * H]);
      const dWh = e.concatCols([
        e.matmul(hIn.reshape([T * B, H]), e.sliceCols(dX, 0, 2 * H), { transposeA: true }),
        e.matmul(e.sliceCols(cache.reshape([T * B, 4 * H]), 3 * H, H), e.sliceCols(dX, 2 * H, H), { transposeA: true }),
      ]);
      return { dXp: g.dXp, dWh, hIn, dState0: { h: g.dh0 } };
    },
    sequenceStep: (e, { hIn, cache }, _state0, final, t) =>
      e.scope(() => {
        const hPrev = stepOf(e, hIn, t);
        const c = stepOf(e, cache, t);
        const next = t < hIn.shape[0] - 1 ? { h: stepOf(e, hIn, t + 1) } : final;
        return { cache: { hPrev, hIn: [hPrev], rz: e.sliceCols(c, 0, 2 * H), n: e.sliceCols(c, 2 * H, H), rh: e.sliceCols(c, 3 * H, H) }, state: next };
      }),
    gateActivations: (e, { rz, n }) => [...gateBlocks(e, rz, H, 2), e.affine(n, 1, 0)],
  };
}
