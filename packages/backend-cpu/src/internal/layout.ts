/** Data movement: slices, stacks and concatenations are all strided row copies; plus oneHot. */
import type { F32 } from './types.js';

/**
 * Copies `rows` rows of `width` values: row r of src starts at srcOff + r * srcStride, of dst
 * at dstOff + r * dstStride. A fully contiguous copy becomes one `set`.
 */
export function copyRows(
  src: F32,
  srcOff: number,
  srcStride: number,
  dst: F32,
  dstOff: number,
  dstStride: number,
  rows: number,
  width: number,
): void {
  if (srcStride === width && dstStride === width) {
    dst.set(src.subarray(srcOff, srcOff + rows * width), dstOff);
    return;
  }
  for (let r = 0; r < rows; r++, srcOff += srcStride, dstOff += dstStride)
    for (let j = 0; j < width; j++) dst[dstOff + j] = src[srcOff + j];
}

/** labels (float-stored integers) -> rows of `depth`; a label outside [0, depth) gives a zero row. */
export function oneHot(labels: F32, out: F32, depth: number): void {
  for (let i = 0, n = labels.length; i < n; i++) {
    const k = Math.round(labels[i]);
    if (k >= 0 && k < depth) out[i * depth + k] = 1;
  }
}
