/**
 * Keras's gate order against ours, on host arrays. Keras concatenates LSTM gates as i, f, c, o
 * (c is our g: the same order) and GRU gates as z, r, h (h is our n); ours is PyTorch's, from
 * core's GATE_ORDER. Written in our gate names, so the permutation is derived, not typed twice.
 */
import { type CellKind, GATE_ORDER } from '@recurrent/core';

/** Keras's gate order in our gate names (Keras: LSTM i, f, c, o; GRU z, r, h). */
export const KERAS_GATE_ORDER: { readonly [K in CellKind]: readonly string[] } = {
  simpleRnn: [''],
  lstm: ['i', 'f', 'g', 'o'],
  gru: ['z', 'r', 'n'],
};

/**
 * Reorders the gate blocks of a row-major [rows, G*H] (or [G*H]) array from one gate order to
 * another: block k of the result is block from.indexOf(to[k]) of the input.
 */
function reorder(data: ArrayLike<number>, rows: number, from: readonly string[], to: readonly string[]): Float32Array {
  const G = from.length;
  const width = data.length / rows;
  const H = width / G;
  const out = new Float32Array(data.length);
  for (let k = 0; k < G; k++) {
    const src = from.indexOf(to[k]);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) out[r * width + k * H + j] = data[r * width + src * H + j];
  }
  return out;
}

/** A Keras gate-concatenated weight to our gate order. */
export const kerasToOurs = (kind: CellKind, data: ArrayLike<number>, rows: number): Float32Array =>
  reorder(data, rows, KERAS_GATE_ORDER[kind], GATE_ORDER[kind]);

/** One of our gate-concatenated weights to Keras's gate order. */
export const oursToKeras = (kind: CellKind, data: ArrayLike<number>, rows: number): Float32Array =>
  reorder(data, rows, GATE_ORDER[kind], KERAS_GATE_ORDER[kind]);
