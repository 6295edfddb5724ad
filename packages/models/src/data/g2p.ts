/**
 * Grapheme-to-phoneme pairs as token sequences, for an encoder-decoder trained with teacher
 * forcing (the CLI's g2p example and the playground's g2p task):
 *
 * - letters a-z are tokens 1-26, 0 pads (an embedding with `maskZero` skips it);
 * - phoneme tokens: 0 pads, 1 starts the decoder, 2 ends a pronunciation, then the 39
 *   CMUdict phonemes (3-41);
 * - a word's training rows: its letters, the previous phonemes (START, p1, ..., pn) the
 *   decoder reads, and the targets (p1, ..., pn, END); all three 0-padded at the end.
 *
 * Browser-safe.
 */
import { InputError } from '@recurrent/core';
import { CMUDICT_PHONEMES, type PronouncedWord } from './cmudict.js';

export const G2P_LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Phoneme-side special tokens. */
export const G2P_PAD = 0;
export const G2P_START = 1;
export const G2P_END = 2;
/** Letter tokens: padding and a-z. */
export const LETTER_TOKENS = 1 + G2P_LETTERS.length;
/** Phoneme tokens: padding, start, end and the 39 phonemes. */
export const PHONEME_TOKENS = 3 + CMUDICT_PHONEMES.length;

/** The letter tokens of a lower-case word; an InputError for anything but a-z. */
export function letterTokens(word: string): number[] {
  return Array.from(word, (c) => {
    const k = G2P_LETTERS.indexOf(c);
    if (k < 0) throw new InputError(`'${word.slice(0, 40)}' is not a word of letters a-z; lower-case it and leave out other characters.`);
    return k + 1;
  });
}

/** The tokens of ARPAbet phonemes (without stress digits). */
export function phonemeTokens(phonemes: readonly string[]): number[] {
  return phonemes.map((p) => {
    const k = CMUDICT_PHONEMES.indexOf(p);
    if (k < 0) throw new InputError(`'${p}' is not one of the 39 CMUdict phonemes (without stress digits).`);
    return k + 3;
  });
}

/** The phonemes of decoded tokens (start, end and padding tokens are left out). */
export function tokenPhonemes(tokens: readonly number[]): string[] {
  return tokens.flatMap((t) => (t >= 3 && t < PHONEME_TOKENS ? [CMUDICT_PHONEMES[t - 3]] : []));
}

/** Rows of token indices as [N, length], 0-padded (or cut) at the end. */
export function tokenRows(rows: readonly (readonly number[])[], length: number): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(rows.length * length);
  rows.forEach((r, i) => out.set(r.slice(0, length), i * length));
  return { data: out, shape: [rows.length, length] };
}

/**
 * Teacher forcing: x = [letters [N, letters], previous phonemes [N, P]], y = targets [N, P], where
 * P is one more than the longest pronunciation (or `phonemes` when given).
 */
export function g2pTeacherForcing(words: readonly PronouncedWord[], shape: { letters: number; phonemes?: number }) {
  const ids = words.map((w) => phonemeTokens(w.phonemes));
  const P = shape.phonemes ?? 1 + Math.max(0, ...ids.map((p) => p.length));
  return {
    x: [tokenRows(words.map((w) => letterTokens(w.word)), shape.letters), tokenRows(ids.map((p) => [G2P_START, ...p]), P)],
    y: tokenRows(ids.map((p) => [...p, G2P_END]), P),
  };
}
