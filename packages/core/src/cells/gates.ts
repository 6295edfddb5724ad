/**
 * Gate-concatenated parameters <-> one tensor per gate. Our layout is [.., G*H] with gates in
 * GATE_ORDER; interop code (PyTorch, Keras, fixtures) splits and joins through these.
 */
import type { Engine, Tensor } from '../engine.js';
import type { CellKind } from './cell.js';

/** Gate order of our concatenated weights (PyTorch's order for both LSTM and GRU). */
export const GATE_ORDER: { readonly [K in CellKind]: readonly string[] } = {
  simpleRnn: [''],
  lstm: ['i', 'f', 'g', 'o'],
  gru: ['r', 'z', 'n'],
};

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
