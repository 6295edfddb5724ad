/** Data movement: slices, stacks and concatenations are all strided row copies; plus oneHot. */
import type { F32 } from './types.js';

/**
 * Copies `rows` rows of `width` values: row r of src starts at srcOff + r * srcStride, of dst
 * at dstOff + r * dstStride. A fully contiguous copy is one `set`; rows of 16 or more values
 * are one `set` each (a memmove; measured about 10x faster than an element loop for the
 * [32, 512] rows of stackTime), shorter rows an element loop.
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
  if (width >= 16) {
    for (let r = 0; r < rows; r++, srcOff += srcStride, dstOff += dstStride) dst.set(src.subarray(srcOff, srcOff + width), dstOff);
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

/** out[n] = table[indices[n]] (rows of width e); an index outside [0, rows) gives a zero row. */
export function gatherRows(table: F32, rows: number, e: number, indices: F32, out: F32): void {
  for (let n = 0, count = indices.length; n < count; n++) {
    const r = Math.round(indices[n]);
    if (r < 0 || r >= rows) continue;
    if (e >= 64) out.set(table.subarray(r * e, r * e + e), n * e);
    else for (let j = 0, s = r * e, o = n * e; j < e; j++) out[o + j] = table[s + j]; // short rows: no view object per row
  }
}

/** out[indices[n]] += values[n] (rows of width e); indices outside [0, rows) are dropped. */
export function scatterAddRows(values: F32, e: number, indices: F32, rows: number, out: F32): void {
  for (let n = 0, count = indices.length; n < count; n++) {
    const r = Math.round(indices[n]);
    if (r < 0 || r >= rows) continue;
    for (let j = 0, o = r * e, v = n * e; j < e; j++) out[o + j] += values[v + j];
  }
}
