/**
 * The recurrent input: h where it enters a cell's recurrent matmul, optionally multiplied by a
 * recurrent-dropout mask. Only the matmul input is masked; a state the cell carries directly
 * (GRU's z * h, LSTM's c) is not, as in Keras.
 *
 * A mask is one [B, H] tensor shared by all gates (tf.keras 2's implementation 2, Gal and
 * Ghahramani's tied variant) or one per gate in CELL_FACTS order (Keras 3, which draws one per
 * gate). With one mask (or none) the projection stays one matmul; per-gate masks take one
 * matmul per gate.
 */
import type { Engine, Tensor } from '../engine.js';
import type { WhPiece } from './cell.js';

/** One [B, H] mask for every gate, or one per gate (in the cell's gate order). */
export type RecurrentMask = readonly Tensor[];

/** The masks of `count` gates starting at gate `first` (a shared mask serves them all). */
export const gateMasks = (mask: RecurrentMask | undefined, first: number, count: number): RecurrentMask | undefined =>
  mask && mask.length > 1 ? mask.slice(first, first + count) : mask;

/** Columns [start, start + size) of a vector. */
function sliceVector(e: Engine, v: Tensor, start: number, size: number): Tensor {
  return e.scope(() => e.sliceCols(v.reshape([1, v.shape[0]]), start, size).reshape([size]));
}

/**
 * hp = (h * m_k) @ W[:, gate k] + b[gate k] over the gates of W. Returns hp and the matmul input of
 * each piece (for the weight gradient): [h] unmasked, [h * m] with a shared mask, one per gate.
 */
export function projectRecurrent(e: Engine, h: Tensor, w: Tensor, b: Tensor | undefined, mask: RecurrentMask | undefined): { hp: Tensor; inputs: Tensor[] } {
  if (!mask || mask.length === 1) {
    const input = mask ? e.mul(h, mask[0]) : h;
    return { hp: e.matmul(input, w, { bias: b }), inputs: [input] };
  }
  const H = h.shape[1];
  const inputs = mask.map((m) => e.mul(h, m));
  const parts = inputs.map((input, k) => e.matmul(input, e.sliceCols(w, k * H, H), { bias: b && sliceVector(e, b, k * H, H) }));
  return { hp: e.concatCols(parts), inputs };
}

/** Backward of projectRecurrent: d(h) through the matmul(s) and their weight-gradient pieces. */
export function projectRecurrentGrad(e: Engine, dHp: Tensor, w: Tensor, inputs: readonly Tensor[], mask: RecurrentMask | undefined): { dh: Tensor; wh: WhPiece[] } {
  if (!mask || mask.length === 1) {
    const dIn = e.matmul(dHp, w, { transposeB: true });
    return { dh: mask ? e.mul(dIn, mask[0]) : dIn, wh: [{ input: inputs[0], dOut: dHp }] };
  }
  const H = inputs[0].shape[1];
  const wh = inputs.map((input, k) => ({ input, dOut: e.sliceCols(dHp, k * H, H) }));
  const dhs = wh.map(({ dOut }, k) => e.mul(e.matmul(dOut, e.sliceCols(w, k * H, H), { transposeB: true }), mask[k]));
  return { dh: dhs.reduce((a, b) => e.add(a, b)), wh };
}
