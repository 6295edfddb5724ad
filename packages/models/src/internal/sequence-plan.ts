/**
 * How a recurrent layer runs a batch with a step mask and/or goBackwards on top of core's
 * rnnForward, which knows per-sample `lengths` (valid prefixes) and `reverse` only.
 *
 * Keras semantics: a masked step is skipped (the state is carried over it, its output is
 * zero here, as in PyTorch's packed sequences); goBackwards processes the steps last to first
 * and returns the output sequence in processing order (reversed).
 *
 *  - No mask, or a prefix mask (post-padding): core does it directly with `reverse` and
 *    `lengths`; goBackwards with returnSequences reverses the output with one row gather.
 *  - Any other mask (pre-padding, holes): the valid steps of each sample are moved to the
 *    front in processing order (one row gather), run with `lengths`, and the outputs moved to
 *    their positions (one row gather). Skipping a step and removing it are the same thing
 *    for a recurrent layer, so this is exact, and both gathers are permutations, so backward
 *    is the inverse gather.
 *
 * `aligned` (used by Bidirectional's backward layer): outputs stay at their input positions
 * instead of Keras's reversed order.
 */
import type { SeqMask } from './mask.js';

export interface SequencePlan {
  reverse: boolean;
  lengths?: number[];
  /** Row gather applied to the input ([B*T] row indices), if any. */
  inIdx?: Float32Array;
  /** Row gather applied to the output sequence, if any. */
  outIdx?: Float32Array;
  /** The mask of the output sequence. */
  outMask?: SeqMask;
}

export function planSequence(mask: SeqMask | undefined, B: number, T: number, goBackwards: boolean, aligned: boolean): SequencePlan {
  const reversal = () => {
    const idx = new Float32Array(B * T);
    for (let b = 0; b < B; b++) for (let p = 0; p < T; p++) idx[b * T + p] = b * T + (T - 1 - p);
    return idx;
  };
  const keepOrder = !goBackwards || aligned;
  if (!mask) return { reverse: goBackwards, outIdx: keepOrder ? undefined : reversal() };
  const lengths = prefixLengths(mask);
  if (lengths)
    return {
      reverse: goBackwards,
      lengths,
      outIdx: keepOrder ? undefined : reversal(),
      outMask: keepOrder ? mask : reverseMask(mask),
    };
  // General mask: compact the valid steps (in processing order) to the front of each row.
  const inIdx = new Float32Array(B * T);
  const outIdx = new Float32Array(B * T);
  const counts: number[] = [];
  for (let b = 0; b < B; b++) {
    const order: number[] = [];
    for (let p = 0; p < T; p++) {
      const t = goBackwards ? T - 1 - p : p;
      if (mask.valid[b * T + t]) order.push(t);
    }
    const L = order.length;
    counts.push(L);
    const rank = new Int32Array(T).fill(-1);
    order.forEach((t, k) => {
      rank[t] = k;
    });
    let pad = L;
    for (let p = 0; p < T; p++) {
      const t = goBackwards ? T - 1 - p : p;
      if (!mask.valid[b * T + t]) order.push(t);
    }
    for (let k = 0; k < T; k++) inIdx[b * T + k] = b * T + order[k];
    // Output position q holds the output of input step t(q): q itself when aligned or forward,
    // T-1-q for a (Keras-ordered) backward layer. Masked positions take the zero outputs of
    // the padded compact slots, one each, so the gather stays a permutation.
    for (let q = 0; q < T; q++) {
      const t = keepOrder ? q : T - 1 - q;
      outIdx[b * T + q] = b * T + (rank[t] >= 0 ? rank[t] : pad++);
    }
  }
  return { reverse: false, lengths: counts, inIdx, outIdx, outMask: keepOrder ? mask : reverseMask(mask) };
}

/** Per-sample lengths when every row of the mask is a valid prefix (1...1 0...0), else undefined. */
export function prefixLengths(mask: SeqMask): number[] | undefined {
  const { B, T, valid } = mask;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let L = 0;
    while (L < T && valid[b * T + L]) L++;
    for (let t = L; t < T; t++) if (valid[b * T + t]) return undefined;
    out.push(L);
  }
  return out;
}

export function reverseMask(mask: SeqMask): SeqMask {
  const { B, T, valid } = mask;
  const out = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b * T + t] = valid[b * T + (T - 1 - t)];
  return { B, T, valid: out };
}
