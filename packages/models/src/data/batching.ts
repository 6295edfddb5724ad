/**
 * Mini-batches of rows: index lists (optionally shuffled by a seeded Rng) and the batches of
 * `{ data, shape }` arrays they select.
 */
import { ConfigError, InputError, Rng } from '@recurrent/core';
import { type ArrayData, checkArrayData, takeRows } from './array-data.js';

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the rows first (needs `seed` or `rng`). Default false. */
  shuffle?: boolean;
  seed?: number;
  /** A generator to shuffle with (advanced by each call), instead of a fresh one from `seed`. */
  rng?: Rng;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

/** Row indices `0..n-1` in batches of `batchSize` (the last may be smaller). */
export function batchIndices(n: number, opts: BatchOptions): number[][] {
  const where = 'batchIndices';
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${where}: n must be a non-negative integer, got ${n}.`);
  const size = opts.batchSize;
  if (!Number.isInteger(size) || size < 1) throw new ConfigError(`${where}: batchSize must be a positive integer, got ${size}.`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (opts.shuffle) {
    if (!opts.rng && opts.seed === undefined) throw new ConfigError(`${where}: shuffling needs a seed or an rng, so the order can be reproduced.`);
    (opts.rng ?? new Rng(opts.seed!)).shuffle(order);
  }
  const out: number[][] = [];
  for (let i = 0; i < n; i += size) {
    if (opts.dropRemainder && i + size > n) break;
    out.push(order.slice(i, i + size));
  }
  return out;
}

export interface Batch {
  x: ArrayData;
  /** Present when `y` was given. */
  y?: ArrayData;
  indices: number[];
}

/** Batches of the rows of `x` (and the same rows of `y`). */
export function* batches(x: ArrayData, y: ArrayData | undefined, opts: BatchOptions): Generator<Batch> {
  checkArrayData(x, 'batches: x');
  if (y) {
    checkArrayData(y, 'batches: y');
    if (y.shape[0] !== x.shape[0]) throw new InputError(`batches: x has ${x.shape[0]} rows but y has ${y.shape[0]}; they must pair up row by row.`);
  }
  for (const indices of batchIndices(x.shape[0] ?? 0, opts))
    yield y ? { x: takeRows(x, indices, 'batches: x'), y: takeRows(y, indices, 'batches: y'), indices } : { x: takeRows(x, indices, 'batches: x'), indices };
}
