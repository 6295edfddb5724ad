/**
 * A seeded train / validation / test split of row indices. The same `n`, fractions and seed
 * always give the same split (core's Rng is bit-reproducible on every platform).
 *
 * Sizes: test = round(n * test), validation = round(n * validation), train = the rest; with
 * `stratify`, each class is split by those rules on its own, so every part keeps the class
 * proportions. Indices within each part are in shuffled order (ascending with shuffle: false).
 */
import { ConfigError, InputError, Rng } from '@recurrent/core';

export interface SplitOptions {
  /** Fraction of rows for validation, in [0, 1). Default 0. */
  validation?: number;
  /** Fraction of rows for test, in [0, 1). Default 0. */
  test?: number;
  /** Seed of the shuffle. Required when shuffling, so a split is never accidentally unseeded. */
  seed?: number;
  /** Shuffle before splitting (default true). Without it, the parts are consecutive: train, validation, test (a time-ordered split). */
  shuffle?: boolean;
  /** A class label per row: split each class separately. */
  stratify?: ArrayLike<number | string>;
}

export interface Split {
  train: number[];
  validation: number[];
  test: number[];
}

export function splitIndices(n: number, opts: SplitOptions = {}): Split {
  const where = 'splitIndices';
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${where}: n must be a non-negative integer, got ${n}.`);
  const val = opts.validation ?? 0;
  const test = opts.test ?? 0;
  for (const [k, v] of [
    ['validation', val],
    ['test', test],
  ] as const)
    if (!(v >= 0 && v < 1)) throw new ConfigError(`${where}: ${k} must be a fraction in [0, 1), got ${v}.`);
  if (val + test >= 1) throw new ConfigError(`${where}: validation + test = ${val + test} leaves no training rows; keep the sum below 1.`);
  const shuffle = opts.shuffle ?? true;
  if (shuffle && opts.seed === undefined) throw new ConfigError(`${where}: pass a seed (or shuffle: false), so the split can be reproduced.`);
  const rng = shuffle ? new Rng(opts.seed!) : undefined;

  const groups: number[][] = [];
  if (opts.stratify) {
    if (opts.stratify.length !== n) throw new InputError(`${where}: stratify has ${opts.stratify.length} labels, wanted one per row (${n}).`);
    const byClass = new Map<number | string, number[]>();
    for (let i = 0; i < n; i++) {
      const c = opts.stratify[i];
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    }
    // Classes in a fixed order (sorted by label) so the split does not depend on row order of first appearance.
    for (const key of [...byClass.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) groups.push(byClass.get(key)!);
  } else groups.push(Array.from({ length: n }, (_, i) => i));

  const out: Split = { train: [], validation: [], test: [] };
  for (const g of groups) {
    if (rng) rng.shuffle(g);
    const nTest = Math.round(g.length * test);
    const nVal = Math.round(g.length * val);
    const nTrain = g.length - nTest - nVal;
    out.train.push(...g.slice(0, nTrain));
    out.validation.push(...g.slice(nTrain, nTrain + nVal));
    out.test.push(...g.slice(nTrain + nVal));
  }
  if (rng && groups.length > 1) for (const part of [out.train, out.validation, out.test]) rng.shuffle(part);
  return out;
}
