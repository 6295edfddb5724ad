/**
 * Char-level name generation: given the letters so far, predict the next one ('.' starts and
 * ends a name). Trained on both name lists; sampling letter by letter with a temperature makes
 * new names. Names longer than the sequence length are left out.
 */
import { Rng } from '@recurrent/core';
import { type Batch, type Task, pct } from './task.js';
import { cleanNames, encodeChars, NAME_CHARS } from './text.js';

/** Token 0 is '.', the start and end mark; token k + 1 is NAME_CHARS[k]. */
export const GEN_VOCAB = `.${NAME_CHARS}`;

/** Inputs '.' + name, targets name + '.', post-padded to T = maxLen + 1 steps. */
export function encodeForGeneration(names: readonly string[], T: number): Batch {
  const D = GEN_VOCAB.length;
  const B = names.length;
  const x = new Float32Array(B * T * D);
  const target = new Float32Array(B * T);
  const mask = new Float32Array(B * T);
  const lengths: number[] = [];
  names.forEach((name, b) => {
    const tok = encodeChars(name).map((c) => c + 1);
    const input = [0, ...tok].slice(0, T);
    const out = [...tok, 0].slice(0, T);
    input.forEach((c, t) => (x[(b * T + t) * D + c] = 1));
    out.forEach((c, t) => {
      target[b * T + t] = c;
      mask[b * T + t] = 1;
    });
    lengths.push(input.length);
  });
  return { x, B, T, D, lengths, target, mask };
}

/** Fewest usable words a pasted list must give (a tenth are held out for validation). */
export const MIN_WORDS = 20;

/**
 * The generation task on the two name lists, or on `words` (the user's own, pasted: one model
 * of their letters instead of the names'). Words are cleaned as names are (lower case, a-z and
 * '-'); those longer than `maxLen` are left out.
 */
export function generateTask(female: readonly string[], male: readonly string[], maxLen: number, words?: readonly string[]): Task & { names: Set<string> } {
  const all = cleanNames(words ?? [...female, ...male]).filter((n) => n.length <= maxLen);
  if (words && all.length < MIN_WORDS)
    throw new Error(
      `the pasted text gives ${all.length} usable word${all.length === 1 ? '' : 's'} (letters a-z and '-', at most ${maxLen} long); it needs at least ${MIN_WORDS}.`,
    );
  const what = words ? 'words' : 'names';
  const rng = new Rng(42);
  rng.shuffle(all);
  const nVal = Math.round(all.length * 0.1);
  const val = all.slice(0, nVal);
  const train = all.slice(nVal);
  const T = maxLen + 1;
  return {
    id: 'generate',
    title: 'Generate names, letter by letter',
    blurb: words
      ? `Predicts the next letter of your words; sampling from it invents new ones. ${train.length} training ${what}, ${val.length} held out.`
      : `Predicts the next letter of a name; sampling from it invents names. ${train.length} training ${what}, ${val.length} held out.`,
    inputSize: GEN_VOCAB.length,
    outputSize: GEN_VOCAB.length,
    head: 'sequence',
    loss: 'sequenceCe',
    metric: { name: 'next-letter accuracy', higherIsBetter: true, format: pct },
    trainMetric: { name: 'accuracy', scale: 1 },
    trainSize: train.length,
    validation: encodeForGeneration(val, T),
    names: new Set(train),
    trainBatch(r, B) {
      return encodeForGeneration(
        Array.from({ length: B }, () => train[r.int(train.length)]),
        T,
      );
    },
    score(pred, batch) {
      const K = GEN_VOCAB.length;
      let sum = 0;
      let count = 0;
      for (let r = 0; r < batch.B * batch.T; r++) {
        if (!batch.mask![r]) continue;
        let best = 0;
        for (let k = 1; k < K; k++) if (pred[r * K + k] > pred[r * K + best]) best = k;
        if (best === batch.target[r]) sum++;
        count++;
      }
      return { sum, count };
    },
    exampleCount: val.length,
    example(i) {
      const name = val[((i % val.length) + val.length) % val.length];
      const batch = encodeForGeneration([name], name.length + 1);
      return {
        batch,
        stepLabels: ['.', ...name],
        describe: (pred) => {
          const K = GEN_VOCAB.length;
          const guesses = [...name, '.'].map((_, t) => {
            let best = 0;
            for (let k = 1; k < K; k++) if (pred[t * K + k] > pred[t * K + best]) best = k;
            return GEN_VOCAB[best];
          });
          return `After each prefix of “${name}.”, the most likely next letter: ${guesses.join(' ')}`;
        },
      };
    },
  };
}
