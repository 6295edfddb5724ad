/**
 * A label at every time step: which letter of a word starts its main-stressed vowel, from
 * CMUdict's stress digits (the label is defined in ../datasets/stress.ts).
 *
 * Model: one-hot letters (padded at the end, with a mask) -> Bidirectional(GRU(32)) with
 * returnSequences -> TimeDistributed(Dense(2, softmax)): P(this letter starts the stressed
 * vowel) at every letter, both directions of the word seen. Sparse categorical cross-entropy
 * over the real letters only (the mask drops the padding from the loss and the metrics).
 *
 * Scores on the fixed held-out test words: whole-word accuracy (every letter's label right) and
 * per-letter accuracy, against the baseline that stresses the vowel group most often stressed
 * among the training words with the same number of vowel groups (the first of two, ...).
 */
import { InputError } from '@recurrent/core';
import { data, layers, optimizers, type Sequential, sequential } from '@recurrent/models';
import { loadStressWords, MAX_LETTERS, type StressWord, stressLabels, vowelGroups } from '../datasets/stress.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, fitWithProgress, metaField, pct, predictFlat, trainingParts } from './runner.js';

/** Training words by default (of 64,206): keeps the default run well under two minutes on two cores. */
export const DEFAULT_TRAIN_WORDS = 20_000;

interface StressMeta extends ExampleMeta {
  example: 'stress';
  vocabulary: data.VocabularyState;
  /** Steps per word (the longest word the model takes). */
  length: number;
}

const encode = (vocab: data.CharVocabulary, words: readonly string[], length: number) => vocab.oneHot(words, { length, padding: 'post', truncating: 'post' });

/** Per-letter labels [N, length], padding 0 (masked out of the loss by the input's mask). */
const targets = (words: readonly StressWord[], length: number) => {
  const y = data.padSequences(words.map(stressLabels), { length, padding: 'post' });
  return { data: y.data, shape: y.shape };
};

/** P(stress starts here) per letter, from the model's [N, length, 2] softmax outputs. */
const stressProbabilities = (p: ArrayLike<number>, n: number, length: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length }, (_, t) => p[(i * length + t) * 2 + 1]));

/** Per-letter and whole-word accuracy of 0/1 predictions against the words' labels. */
function accuracies(words: readonly StressWord[], predict: (w: StressWord, i: number) => number[]) {
  let letters = 0;
  let lettersRight = 0;
  let wordsRight = 0;
  words.forEach((w, i) => {
    const want = stressLabels(w);
    const got = predict(w, i);
    const right = want.filter((v, t) => v === got[t]).length;
    letters += want.length;
    lettersRight += right;
    if (right === want.length) wordsRight++;
  });
  return { letter: lettersRight / letters, word: wordsRight / words.length };
}

/** The baseline's rule: for each number of vowel groups, the group most often stressed in training. */
function positionRule(train: readonly StressWord[]): (groups: number) => number {
  const counts = new Map<number, number[]>();
  for (const w of train) {
    const c = counts.get(w.groups.length) ?? [];
    c[w.stressed] = (c[w.stressed] ?? 0) + 1;
    counts.set(w.groups.length, c);
  }
  return (g) => {
    const c = counts.get(g);
    return c ? data.argmax(Array.from(c, (v) => v ?? 0)) : 0;
  };
}

/** The word with its stressed vowel group in capitals: "photograph" -> "phOtograph". */
function marked(word: string, start: number): string {
  let end = start + 1;
  while (end < word.length && 'aeiouy'.includes(word[end])) end++;
  return word.slice(0, start) + word.slice(start, end).toUpperCase() + word.slice(end);
}

export const stressExample: Example = {
  name: 'stress',
  summary: 'mark the letter starting the stressed vowel of English words (CMUdict), a label per letter, Bidirectional GRU',
  defaults: { cell: 'gru', units: 32, epochs: 12, batchSize: 64, learningRate: 0.01, window: 0 },

  async train(s, io) {
    const all = loadStressWords();
    const { train, val } = trainingParts(all, s.limit, DEFAULT_TRAIN_WORDS);
    const test = all.test;
    const vocab = data.CharVocabulary.fromTexts(train.map((w) => w.word));
    const L = MAX_LETTERS;
    const V = vocab.size;
    io.out(
      `${all.counts.kept} of ${all.counts.entries} CMUdict words kept (a-z only, 2+ vowel groups, one per vowel sound); ` +
        `${train.length} training words, ${val.length} validation, ${test.length} test; ${V} tokens, up to ${L} letters`,
    );
    const model = sequential({ backend: s.backend, seed: s.seed }, [
      layers.bidirectional({ layer: buildRecurrent(s.cell, s.units, [null, V], { returnSequences: true }) }),
      layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'softmax' }) }),
    ]);
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: s.learningRate }), metrics: ['accuracy'] });
    const words = (ws: readonly StressWord[]) => ws.map((w) => w.word);
    await fitWithProgress(model, encode(vocab, words(train), L), targets(train, L), [encode(vocab, words(val), L), targets(val, L)], s, io);

    const p = stressProbabilities(await predictFlat(model, encode(vocab, words(test), L)), test.length, L);
    const net = accuracies(test, (w, i) => Array.from({ length: w.word.length }, (_, t) => (p[i][t] > 0.5 ? 1 : 0)));
    const rule = positionRule(train);
    const base = accuracies(test, (w) => stressLabels({ ...w, stressed: Math.min(rule(w.groups.length), w.groups.length - 1) }));
    return {
      model,
      title: `Bidirectional(${cellTitle(s.cell)}(${s.units})) -> TimeDistributed(Dense(2, softmax)) on the letters of a word, a label per letter`,
      score: { name: 'test word accuracy', value: net.word, baseline: base.word, baselineName: 'most common stressed vowel group for the count', higherIsBetter: true, format: pct },
      notes: [`test letter accuracy ${pct(net.letter)} vs ${pct(base.letter)} for the same baseline`],
      meta: { format: 'recurrent-example/1', example: 'stress', vocabulary: vocab.toJSON(), length: L } satisfies StressMeta,
    };
  },

  checkMeta(meta, file) {
    metaField.state(meta, 'vocabulary', file, data.CharVocabulary.fromJSON);
    metaField.positiveInt(meta, 'length', file);
  },

  async use(model: Sequential, meta, opts, io) {
    const m = meta as StressMeta;
    const words = (opts.inputs.length > 0 ? opts.inputs : ['photograph', 'photography', 'banana', 'recurrent', 'understand', 'computer']).map((w) => w.toLowerCase());
    for (const w of words)
      if (!/^[a-z]+$/.test(w) || w.length > m.length)
        throw new InputError(`'${w}' is not a word the model reads: use letters a-z only, up to ${m.length} of them, e.g. recurrent predict --model DIR banana.`);
    const vocab = data.CharVocabulary.fromJSON(m.vocabulary);
    const p = stressProbabilities(await predictFlat(model, encode(vocab, words, m.length)), words.length, m.length);
    const width = Math.max(...words.map((w) => w.length));
    words.forEach((w, i) => {
      const probs = p[i].slice(0, w.length);
      const at = data.argmax(probs);
      const groups = vowelGroups(w);
      const note = groups.includes(at) ? '' : '  (not the start of a vowel group)';
      io.out(`${w.padEnd(width)}  ${marked(w, at)}  P = ${probs[at].toFixed(3)}${note}`);
    });
  },
};
