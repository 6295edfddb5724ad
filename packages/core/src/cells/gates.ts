/**
 * Gate-concatenated parameters <-> one tensor per gate. Our layout is [.., G*H] with gates in
 * GATE_ORDER (facts.ts); interop code (PyTorch, Keras, fixtures) splits and joins through these.
 */
import type { Engine, Tensor } from '../engine.js';

/** Joins per-gate [R, H] (or [H]) tensors into [R, G*H] (or [G*H]). */
export function joinGates(e: Engine, parts: Tensor[]): Tensor {
  const vector = parts[0].shape.length === 1;
  return e.scope(() => {
    const mats = parts.map((p) => (vector ? p.reshape([1, p.shape[0]]) : p));
    const joined = mats.length === 1 ? e.affine(mats[0], 1, 0) : e.concatCols(mats);
    return vector ? joined.reshape([joined.shape[1]]) : joined;
  });
}

/** Splits [R, G*H] (or [G*H]) into G tensors [R, H] (or [H]). */
export function splitGates(e: Engine, t: Tensor, gates: number): Tensor[] {
  const vector = t.shape.length === 1;
  return e.scope(() => {
    const m = vector ? t.reshape([1, t.shape[0]]) : t;
    const h = m.shape[1] / gates;
    return Array.from({ length: gates }, (_, k) => {
      const part = e.sliceCols(m, k * h, h);
      return vector ? part.reshape([h]) : part;
    });
  });
}

/** The first `count` gate blocks of `m` [B, >= count*H]: columns k*H .. (k+1)*H, new tensors. */
export const gateBlocks = (e: Engine, m: Tensor, H: number, count: number): Tensor[] =>
  Array.from({ length: count }, (_, k) => e.sliceCols(m, k * H, H));
