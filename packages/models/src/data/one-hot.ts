/** One-hot vectors from integer indices. */
import { ConfigError, InputError } from '@recurrent/core';
import { type ArrayData, checkArrayData } from './array-data.js';

export interface OneHotOptions {
  /** An index that becomes the all-zero vector (e.g. the padding index 0), so a Masking layer sees it. */
  zeroIndex?: number;
}

/** `[..., depth]` from integer indices `[...]` in [0, depth). */
export function oneHot(indices: ArrayData | readonly number[], depth: number, opts: OneHotOptions = {}): ArrayData {
  const where = 'oneHot';
  if (!Number.isInteger(depth) || depth < 1) throw new ConfigError(`${where}: depth must be a positive integer, got ${depth}.`);
  const x: ArrayData = Array.isArray(indices)
    ? { data: Float32Array.from(indices as readonly number[]), shape: [indices.length] }
    : checkArrayData(indices as ArrayData, where);
  const out = new Float32Array(x.data.length * depth);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= depth)
      throw new InputError(`${where}: index ${v} at flat position ${i} is not an integer in [0, ${depth}); depth must exceed every index.`);
    if (v !== opts.zeroIndex) out[i * depth + v] = 1;
  }
  return { data: out, shape: [...x.shape, depth] };
}
