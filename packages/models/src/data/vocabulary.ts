/**
 * A character vocabulary: characters (Unicode code points) to indices and back, index and
 * one-hot encoding of padded batches, and a JSON form to save beside a model.
 *
 * Index layout: the special tokens first, in this order when enabled: padding `<pad>` = 0 (so
 * an embedding with maskZero, or a Masking layer on one-hot input, skips it), unknown `<unk>`,
 * boundary `<b>` (start/end of a text, for generation); then the characters in code-point order.
 */
import { ConfigError, InputError, quote, StateError } from '@recurrent/core';
import type { ArrayData } from './array-data.js';
import { oneHot } from './one-hot.js';
import { type PaddedSequences, type PadOptions, padSequences } from './padding.js';

export const PAD_TOKEN = '<pad>';
export const UNKNOWN_TOKEN = '<unk>';
export const BOUNDARY_TOKEN = '<b>';

export interface VocabularyOptions {
  /** Lower-case texts before encoding (and when building). Default false. */
  lowercase?: boolean;
  /** Reserve index 0 for padding. Default true. */
  padding?: boolean;
  /** Map characters not in the vocabulary to `<unk>` (otherwise they are an InputError). Default true. */
  unknown?: boolean;
  /** Add a boundary token that marks the start and end of a text. Default false. */
  boundary?: boolean;
}

export interface VocabularyState {
  kind: 'charVocabulary';
  /** Every token, by index; special tokens are the strings above. */
  tokens: string[];
  lowercase: boolean;
}

const SPECIALS = [PAD_TOKEN, UNKNOWN_TOKEN, BOUNDARY_TOKEN];

export class CharVocabulary {
  readonly tokens: readonly string[];
  readonly lowercase: boolean;
  /** Index of `<pad>`, or -1. */
  readonly padIndex: number;
  /** Index of `<unk>`, or -1. */
  readonly unknownIndex: number;
  /** Index of `<b>`, or -1. */
  readonly boundaryIndex: number;
  readonly #index: Map<string, number>;

  private constructor(tokens: readonly string[], lowercase: boolean) {
    this.tokens = Object.freeze([...tokens]);
    this.lowercase = lowercase;
    this.#index = new Map(tokens.map((t, i) => [t, i]));
    this.padIndex = this.#index.get(PAD_TOKEN) ?? -1;
    this.unknownIndex = this.#index.get(UNKNOWN_TOKEN) ?? -1;
    this.boundaryIndex = this.#index.get(BOUNDARY_TOKEN) ?? -1;
  }

  /** The vocabulary of every character in `texts`. */
  static fromTexts(texts: Iterable<string>, opts: VocabularyOptions = {}): CharVocabulary {
    const lowercase = opts.lowercase ?? false;
    const chars = new Set<string>();
    let i = 0;
    for (const t of texts) {
      if (typeof t !== 'string') throw new InputError(`CharVocabulary.fromTexts: text ${i} is ${typeof t}, wanted a string.`);
      for (const c of lowercase ? t.toLowerCase() : t) chars.add(c);
      i++;
    }
    const specials = [
      ...((opts.padding ?? true) ? [PAD_TOKEN] : []),
      ...((opts.unknown ?? true) ? [UNKNOWN_TOKEN] : []),
      ...(opts.boundary ? [BOUNDARY_TOKEN] : []),
    ];
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocabulary([...specials, ...sorted], lowercase);
  }

  static fromJSON(state: VocabularyState): CharVocabulary {
    const where = 'CharVocabulary.fromJSON';
    if (state?.kind !== 'charVocabulary') throw new StateError(`${where}: kind must be 'charVocabulary', got ${quote(state?.kind)}.`);
    const tokens = state.tokens;
    if (!Array.isArray(tokens) || tokens.length === 0) throw new StateError(`${where}: tokens must be a non-empty list of strings.`);
    const seen = new Set<string>();
    for (const [i, t] of tokens.entries()) {
      if (typeof t !== 'string' || (!SPECIALS.includes(t) && [...t].length !== 1))
        throw new StateError(`${where}: token ${i} (${quote(t)}) must be one character or a special token (${SPECIALS.join(', ')}).`);
      if (seen.has(t)) throw new StateError(`${where}: token ${quote(t)} appears twice.`);
      seen.add(t);
    }
    return new CharVocabulary(tokens, state.lowercase === true);
  }

  toJSON(): VocabularyState {
    return { kind: 'charVocabulary', tokens: [...this.tokens], lowercase: this.lowercase };
  }

  /** Number of tokens (the one-hot depth, an embedding's inputDim, a softmax's units). */
  get size(): number {
    return this.tokens.length;
  }

  /** The index of one character (or special token); -1 if absent. */
  indexOf(token: string): number {
    return this.#index.get(this.lowercase && !SPECIALS.includes(token) ? token.toLowerCase() : token) ?? -1;
  }

  /** One index per character. Unknown characters become `<unk>`, or an InputError without it. */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new InputError(`CharVocabulary.encode: wanted a string, got ${typeof text}.`);
    const out: number[] = [];
    for (const c of this.lowercase ? text.toLowerCase() : text) {
      const i = this.#index.get(c);
      if (i !== undefined) out.push(i);
      else if (this.unknownIndex >= 0) out.push(this.unknownIndex);
      else
        throw new InputError(
          `CharVocabulary.encode: character ${quote(c)} of ${quote(text)} is not in the vocabulary; build it with { unknown: true } to map such characters to ${UNKNOWN_TOKEN}.`,
        );
    }
    return out;
  }

  /** The text of `indices`; padding and boundary tokens are dropped, `<unk>` is kept as '?'. */
  decode(indices: Iterable<number>): string {
    let s = '';
    for (const i of indices) {
      const t = this.tokens[i];
      if (t === undefined || !Number.isInteger(i)) throw new InputError(`CharVocabulary.decode: index ${i} is not in [0, ${this.size}).`);
      if (t === PAD_TOKEN || t === BOUNDARY_TOKEN) continue;
      s += t === UNKNOWN_TOKEN ? '?' : t;
    }
    return s;
  }

  /**
   * `[N, L]` indices of `texts`, padded with the padding index (0) by padSequences' rules
   * (Keras' defaults: pad and truncate at the start), with the mask and lengths.
   */
  encodeBatch(texts: readonly string[], opts: Omit<PadOptions, 'value'> = {}): PaddedSequences {
    const seqs = texts.map((t) => this.encode(t));
    const L = opts.length ?? Math.max(0, ...seqs.map((s) => s.length));
    if (this.padIndex < 0 && seqs.some((s) => s.length < L))
      throw new ConfigError('CharVocabulary.encodeBatch: texts of different lengths need a padding token; build the vocabulary with { padding: true }.');
    return padSequences(seqs, { ...opts, length: L, value: Math.max(0, this.padIndex) });
  }

  /** `[N, L, size]` one-hot vectors of `texts`; padded steps are all zeros. */
  oneHot(texts: readonly string[], opts: Omit<PadOptions, 'value'> = {}): PaddedSequences {
    const ids = this.encodeBatch(texts, opts);
    const hot: ArrayData = oneHot(ids, this.size, { zeroIndex: this.padIndex >= 0 ? this.padIndex : undefined });
    return { ...hot, mask: ids.mask, lengths: ids.lengths };
  }
}
