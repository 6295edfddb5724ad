/**
 * Attention on core's ops, forward and backward, for the `attention` (Luong dot-product) and
 * `additiveAttention` (Bahdanau) layers. Core's matmul is 2-D, so instead of a batched
 * q k^T the pairs (b, i, j) of query step i and key step j of sample b are laid out as
 * M = B*Tq*Tv rows: `gatherRows` copies query row b*Tq+i and key row b*Tv+j to pair row
 * (b*Tq+i)*Tv+j, the score of a pair is a sum over its last axis, and the weighted sum of
 * values is a `scatterAddRows` back onto the query rows. Each op has its transpose as backward
 * (gather <-> scatter-add), so the backward below reads as the forward in reverse.
 *
 *   dot:      score[b,i,j] = scale * sum_d q[b,i,d] k[b,j,d]          (scale: a scalar weight, or 1)
 *   additive: score[b,i,j] = sum_d scale[d] * tanh(q[b,i,d] + k[b,j,d]) (scale: a [D] weight, or 1)
 *   weights = softmax_j(score - 1e9 * (key step j is padding)),  out[b,i] = sum_j weights[b,i,j] v[b,j]
 *
 * then out[b,i] is zeroed where query step i is padding (Keras 3's Attention and
 * AdditiveAttention, with their masks).
 */
import type { Engine, Tensor } from '@recurrent/core';

export type ScoreMode = 'dot' | 'additive';

export interface AttendInputs {
  /** [B, Tq, D] */
  q: Tensor;
  /** [B, Tv, Dv] */
  v: Tensor;
  /** [B, Tv, D]; the values when absent. */
  k?: Tensor;
  /** The scale weight: [] or [1] for dot, [D] for additive; absent: no scale. */
  scale?: Tensor;
  /** [B*Tv]: 1 for a real key step, 0 for padding. */
  keyValid?: Uint8Array;
  /** [B*Tq]: 1 for a real query step, 0 for padding. */
  queryValid?: Uint8Array;
  /** Query step i attends only to key steps j <= i (Keras's use_causal_mask). */
  causal?: boolean;
}

export interface AttendGrads {
  dq: Tensor;
  dv: Tensor;
  /** d(loss)/d(keys), when keys were given apart from the values. */
  dk?: Tensor;
  dScale?: Tensor;
}

export interface Attended {
  /** [B, Tq, Dv] */
  out: Tensor;
  /** The attention weights [B, Tq, Tv] (softmax over the key steps). */
  weights: Tensor;
  /** Gradients from d(loss)/d(out) and, when the weights are an output too, d(loss)/d(weights). */
  backward(dOut: Tensor, dWeights?: Tensor): AttendGrads;
}

/** Added to the score of a padded key step, as Keras (its float32 constant). */
const MASKED = -1e9;

export function attend(e: Engine, mode: ScoreMode, x: AttendInputs): Attended {
  const [B, Tq, D] = x.q.shape;
  const [, Tv, Dv] = x.v.shape;
  const k = x.k ?? x.v;
  const M = B * Tq * Tv;
  const qRow = new Float32Array(M);
  const kRow = new Float32Array(M);
  for (let b = 0, m = 0; b < B; b++)
    for (let i = 0; i < Tq; i++)
      for (let j = 0; j < Tv; j++, m++) {
        qRow[m] = b * Tq + i;
        kRow[m] = b * Tv + j;
      }
  const qIdx = e.tensor(qRow, [M]);
  const kIdx = e.tensor(kRow, [M]);
  const q2 = x.q.reshape([B * Tq, D]);
  const k2 = k.reshape([B * Tv, D]);
  const v2 = x.v.reshape([B * Tv, Dv]);
  const qe = e.gatherRows(q2, qIdx);
  const ke = e.gatherRows(k2, kIdx);

  // Scores [M, 1].
  let raw: Tensor;
  let th: Tensor | undefined;
  if (mode === 'dot') raw = e.sumLast(e.mul(qe, ke));
  else {
    th = e.tanh(e.add(qe, ke));
    raw = e.sumLast(x.scale ? e.mul(th, x.scale) : th);
  }
  const scaleScalar = mode === 'dot' && x.scale ? x.scale.reshape([1]) : undefined;
  let scores = (scaleScalar ? e.mul(raw, scaleScalar) : raw).reshape([B * Tq, Tv]);
  if (x.keyValid || x.causal) {
    const bias = new Float32Array(M);
    for (let b = 0, m = 0; b < B; b++)
      for (let i = 0; i < Tq; i++)
        for (let j = 0; j < Tv; j++, m++) if ((x.keyValid && !x.keyValid[b * Tv + j]) || (x.causal && j > i)) bias[m] = MASKED;
    scores = e.add(scores, e.tensor(bias, [B * Tq, Tv]));
  }
  const w = e.softmax(scores);
  const wCol = w.reshape([M, 1]);
  const ve = e.gatherRows(v2, kIdx);
  const qCol = x.queryValid ? e.tensor(Float32Array.from(x.queryValid), [B * Tq, 1]) : undefined;
  let out = e.scatterAddRows(e.mul(ve, wCol), qIdx, B * Tq);
  if (qCol) out = e.mul(out, qCol);

  return {
    out: out.reshape([B, Tq, Dv]),
    weights: w.reshape([B, Tq, Tv]),
    backward(dOut, dWeights) {
      let dc = dOut.reshape([B * Tq, Dv]);
      if (qCol) dc = e.mul(dc, qCol);
      const dce = e.gatherRows(dc, qIdx);
      const dvFromOut = e.scatterAddRows(e.mul(dce, wCol), kIdx, B * Tv);
      let dw = e.sumLast(e.mul(dce, ve)).reshape([B * Tq, Tv]);
      if (dWeights) dw = e.add(dw, dWeights.reshape([B * Tq, Tv]));
      // Softmax backward; the mask's constant has no gradient.
      const ds = e.mul(w, e.sub(dw, e.sumLast(e.mul(dw, w)))).reshape([M, 1]);
      const g: Partial<AttendGrads> = {};
      let dqe: Tensor;
      let dke: Tensor;
      if (mode === 'dot') {
        if (scaleScalar) g.dScale = e.sumAll(e.mul(ds, raw)).reshape(x.scale!.shape);
        const dRaw = scaleScalar ? e.mul(ds, scaleScalar) : ds;
        dqe = e.mul(ke, dRaw);
        dke = e.mul(qe, dRaw);
      } else {
        // d(th) = ds * scale: an outer product [M, 1] x [1, D].
        const sc = x.scale ? x.scale.reshape([1, D]) : e.fill([1, D], 1);
        if (x.scale) g.dScale = e.sumBatch(e.mul(th!, ds));
        dqe = e.tanhGrad(th!, e.matmul(ds, sc));
        dke = dqe;
      }
      g.dq = e.scatterAddRows(dqe, qIdx, B * Tq).reshape([B, Tq, D]);
      const dk = e.scatterAddRows(dke, kIdx, B * Tv);
      if (x.k) {
        g.dk = dk.reshape([B, Tv, D]);
        g.dv = dvFromOut.reshape([B, Tv, Dv]);
      } else g.dv = e.add(dvFromOut, dk).reshape([B, Tv, Dv]);
      return g as AttendGrads;
    },
  };
}
