/**
 * Axis permutations on the device without a transpose op: a tensor viewed as one element per
 * row is reordered by core's `gatherRows`, and the backward pass is the inverse gather. Used by
 * permute, softmax over an axis other than the last, concatenate and dot on other axes.
 */
import { ConfigError, type Engine, type Tensor } from '@recurrent/core';
import { invert } from './gather.js';

/** Largest element count whose indices are exact in float32 (gatherRows' indices). */
const MAX_ELEMENTS = 2 ** 24;

/** Flat input index of each output element when out axis i is input axis perm[i]. */
export function transposeIndex(shape: readonly number[], perm: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_ELEMENTS) throw new ConfigError(`transpose: ${n} elements is more than ${MAX_ELEMENTS}; use smaller batches.`);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const idx = new Float32Array(n);
  const coord = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += coord[i] * strides[perm[i]];
    idx[o] = src;
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++coord[i] < outShape[i]) break;
      coord[i] = 0;
    }
  }
  return idx;
}

/** Reorders the elements of `x` by `idx` into `shape`. */
const gatherElements = (e: Engine, x: Tensor, idx: ArrayLike<number>, shape: number[]): Tensor =>
  e.run('gatherRows', [x.reshape([x.size, 1]), e.tensor(idx, [idx.length])], {}).reshape(shape);

export interface Transposed {
  y: Tensor;
  /** d(loss)/d(x) from d(loss)/d(y). */
  back(dy: Tensor): Tensor;
}

/** x with its axes permuted (out axis i = x's axis perm[i]); the identity costs nothing. */
export function transpose(e: Engine, x: Tensor, perm: readonly number[]): Transposed {
  if (perm.every((p, i) => p === i)) return { y: x, back: (dy) => dy };
  const shape = [...x.shape];
  const idx = transposeIndex(shape, perm);
  return { y: gatherElements(e, x, idx, perm.map((p) => shape[p])), back: (dy) => gatherElements(e, dy, invert(idx), shape) };
}

/** The permutation moving `axis` to the end (others keep their order). */
export const axisLast = (rank: number, axis: number): number[] => [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis), axis];

/** The inverse permutation of `perm`. */
export const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
};
