/**
 * Grapheme to phoneme: spell a word, get its pronunciation (ARPAbet, from CMUdict). The model is
 * `@recurrent/models`' `seq2seq` recipe, an encoder-decoder with Luong attention (the CLI's g2p
 * example is the same model), trained with teacher forcing: the encoder reads the letters, the
 * decoder the previous phonemes of the reference (START, p1, ..., pn), and the loss is the
 * library's sparse categorical cross-entropy on the next phoneme (p1, ..., pn, END), padding
 * masked.
 *
 * The bundled subset (data-files.ts) is G2P_BUNDLE words spread over the alphabet; every 11th is
 * held out. The metric is the phoneme error rate of greedy decoding on the held-out words (edit
 * distance / reference phonemes, `data.scorePronunciations`), against the nearest-spelling
 * baseline over the training words (`data.nearestSpelling`), as the CLI reports them. The
 * tokens, the dictionary reader and the scores are the library's `data` module.
 */
import type { Rng } from '@recurrent/core';
import { data } from '@recurrent/models';
import { G2P_BUNDLE, G2P_MAX_LETTERS } from './g2p-bundle.js';
import { type Batch, pct, type Task } from './task.js';

export { G2P_BUNDLE, G2P_MAX_LETTERS };

/** Every HOLD_OUT-th bundled word is held out. */
const HOLD_OUT = 11;
/** Size of the letter and phoneme embeddings. */
export const G2P_EMBEDDING = 16;
/** Most phonemes decoded per word, the end token included. */
export const G2P_MAX_DECODE = 20;

export type G2pWord = data.PronouncedWord;

export interface G2pTask extends Task {
  readonly trainWords: readonly G2pWord[];
  readonly testWords: readonly G2pWord[];
  /** Decoder steps of every batch: the longest pronunciation in the bundle plus the end token. */
  readonly phonemeSteps: number;
  /** The nearest-spelling baseline on the held-out words. */
  readonly baseline: data.PronunciationScore;
  /** Teacher-forcing batch of `words` (letters padded to G2P_MAX_LETTERS, phonemes to `steps`). */
  batchOf(words: readonly G2pWord[], steps?: number, letters?: number): Batch;
}

/** The task from the bundle (CMUdict's text form), read with the library's bounded parser. */
export function g2pTask(bundle: string): G2pTask {
  const entries = data.parseCmudict(bundle, 'the bundled CMUdict subset', { maxEntries: G2P_BUNDLE });
  const words = [...entries].flatMap(([k, v]) => data.pronouncedWord(k, v, G2P_MAX_LETTERS) ?? []);
  if (words.length !== G2P_BUNDLE) throw new Error(`g2p data: ${words.length} words, wanted ${G2P_BUNDLE}; rebuild the app.`);
  const trainWords = words.filter((_, i) => i % HOLD_OUT !== HOLD_OUT - 1);
  const testWords = words.filter((_, i) => i % HOLD_OUT === HOLD_OUT - 1);
  const phonemeSteps = 1 + Math.max(...words.map((w) => w.phonemes.length));
  const near = data.nearestSpelling(trainWords.map((w) => w.word));
  const baseline = data.scorePronunciations(
    testWords.map((w) => trainWords[near(w.word)].phonemes),
    testWords.map((w) => w.phonemes),
  );
  const batchOf = (ws: readonly G2pWord[], steps = phonemeSteps, letters = G2P_MAX_LETTERS): Batch => {
    const t = data.g2pTeacherForcing(ws, { letters, phonemes: steps });
    const target = t.y.data;
    const mask = Float32Array.from(target, (v) => (v > 0 ? 1 : 0));
    return { x: new Float32Array(0), B: ws.length, T: steps, D: 0, inputs: t.x, target, mask };
  };
  const validation = batchOf(testWords);
  return {
    id: 'g2p',
    title: 'Spelling → pronunciation',
    blurb: `Spell a word, get its pronunciation (CMUdict phonemes): an encoder reads the letters, a decoder with attention writes the phonemes. ${trainWords.length} training words, ${testWords.length} held out.`,
    inputSize: data.LETTER_TOKENS,
    outputSize: data.PHONEME_TOKENS,
    head: 'sequence',
    loss: 'sequenceProbs',
    metric: { name: 'phoneme error rate (greedy, held-out words)', higherIsBetter: false, format: pct },
    trainSize: trainWords.length,
    validation,
    trainWords,
    testWords,
    phonemeSteps,
    baseline,
    batchOf,
    trainBatch(rng: Rng, B: number) {
      return batchOf(Array.from({ length: B }, () => trainWords[rng.int(trainWords.length)]));
    },
    exampleCount: testWords.length,
    example(i) {
      const w = testWords[((i % testWords.length) + testWords.length) % testWords.length];
      return {
        batch: batchOf([w], w.phonemes.length + 1, w.word.length),
        stepLabels: [...w.word],
        describe: () => `“${w.word}” is ${w.phonemes.join(' ')} in CMUdict.`,
      };
    },
  };
}
