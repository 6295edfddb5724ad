/**
 * Grapheme to phoneme, translation-style: spell a word, get its pronunciation (CMUdict, data in
 * ../datasets/g2p.ts). An encoder-decoder with Luong attention (g2p-model.ts) trained with
 * teacher forcing on sparse categorical cross-entropy over the real phonemes (the mask drops the
 * padding), then decoded token by token: greedy and beam search (width BEAM) from the trained
 * layers.
 *
 * Scored on the held-out test words: phoneme error rate and word accuracy (`@recurrent/models`' data.scorePronunciations), against
 * the nearest-spelling baseline over the same training words.
 */
import { InputError } from '@recurrent/core';
import { data, Functional, optimizers, translate } from '@recurrent/models';
import { loadG2pWords, PHONEMES } from '../datasets/g2p.js';
import { MAX_LETTERS } from '../datasets/stress.js';
import { END, type G2pInference, g2pInference, buildG2pModel, START } from './g2p-model.js';
import { cellTitle, type Example, type ExampleMeta, fitWithProgress, limited, metaField, pct, trainingParts } from './runner.js';

/** Training words by default (of 93,012): keeps the default run to a few minutes on two cores. */
export const DEFAULT_TRAIN_WORDS = 20_000;
/** Beam width of the decoder. */
export const BEAM = 4;
/** Size of the letter and phoneme embeddings. */
const EMBEDDING = 32;
/** Longest pronunciation in CMUdict (16 phonemes) plus the end token, and some room. */
const MAX_PHONEMES = 20;

interface G2pMeta extends ExampleMeta {
  example: 'g2p';
  /** The letters and phonemes in token order, to check the file belongs to this model. */
  letters: string[];
  phonemes: string[];
}

const LETTERS = data.G2P_LETTERS;

/** Pronunciations of `words` (a-z, 1 to MAX_LETTERS letters): the recipe's `translate` (words of one length decoded together). */
export async function pronounce(inf: G2pInference, words: readonly string[], beamWidth: number): Promise<string[][]> {
  const tokens = await translate(inf, words.map(data.letterTokens), { startToken: START, endToken: END, maxLength: MAX_PHONEMES, beamWidth });
  return tokens.map(data.tokenPhonemes);
}

export const g2pExample: Example = {
  name: 'g2p',
  summary: 'spell a word, get its pronunciation (CMUdict): encoder-decoder with attention, greedy and beam decoding',
  defaults: { cell: 'gru', units: 64, epochs: 12, batchSize: 64, learningRate: 0.005, window: 0 },

  async train(s, io) {
    const all = loadG2pWords();
    const { train, val } = trainingParts(all, s.limit, DEFAULT_TRAIN_WORDS);
    // A quick run (--limit N) scores the first N / 4 test words; the full run all 11,627.
    const test = limited(all.test, s.limit, 0.25);
    io.out(
      `${all.counts.kept} of ${all.counts.entries} CMUdict words kept (a-z, up to ${MAX_LETTERS} letters); ${train.length} training words, ` +
        `${val.length} validation, ${test.length} test; ${PHONEMES.length} phonemes`,
    );
    const model = buildG2pModel(s, EMBEDDING);
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: s.learningRate, clipNorm: 1 }), metrics: ['accuracy'] });
    const t = data.g2pTeacherForcing(train, { letters: MAX_LETTERS });
    const v = data.g2pTeacherForcing(val, { letters: MAX_LETTERS });
    await fitWithProgress(model, t.x, t.y, [v.x, v.y], s, io);

    const words = test.map((w) => w.word);
    const refs = test.map((w) => w.phonemes);
    const inf = g2pInference(model);
    const t0 = performance.now();
    const greedy = data.scorePronunciations(await pronounce(inf, words, 1), refs);
    const t1 = performance.now();
    const beam = data.scorePronunciations(await pronounce(inf, words, BEAM), refs);
    const t2 = performance.now();
    const near = data.nearestSpelling(train.map((w) => w.word));
    const base = data.scorePronunciations(words.map((w) => train[near(w)].phonemes), refs);
    // The inference models share the trained model's weights: disposing them would free those.
    const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return {
      model,
      title: `${cellTitle(s.cell)}(${s.units}) encoder -> ${cellTitle(s.cell)}(${s.units}) decoder with Luong attention, letters to phonemes`,
      score: { name: `test phoneme error rate (beam ${BEAM})`, value: beam.phonemeErrorRate, baseline: base.phonemeErrorRate, baselineName: 'nearest spelling', higherIsBetter: false, format: pct },
      notes: [
        `test word accuracy (beam ${BEAM}) ${pct(beam.wordAccuracy)} vs nearest spelling ${pct(base.wordAccuracy)}`,
        `greedy decoding: phoneme error rate ${pct(greedy.phonemeErrorRate)}, word accuracy ${pct(greedy.wordAccuracy)} (${secs(t1 - t0)}; beam ${BEAM}: ${secs(t2 - t1)})`,
      ],
      meta: { format: 'recurrent-example/1', example: 'g2p', letters: [...LETTERS], phonemes: [...PHONEMES] } satisfies G2pMeta,
    };
  },

  checkMeta(meta, file) {
    if (metaField.strings(meta, 'letters', file).join('') !== LETTERS) metaField.fail(file, 'letters', 'the letters a-z', meta.letters);
    if (metaField.strings(meta, 'phonemes', file).join(' ') !== PHONEMES.join(' ')) metaField.fail(file, 'phonemes', `the ${PHONEMES.length} CMUdict phonemes`, meta.phonemes);
  },

  async use(model, _meta, opts, io) {
    const words = (opts.inputs.length > 0 ? opts.inputs : ['hello', 'world', 'recurrent', 'pronunciation', 'grapheme']).map((w) => w.toLowerCase());
    for (const w of words)
      if (!/^[a-z]+$/.test(w) || w.length > MAX_LETTERS)
        throw new InputError(`'${w}' is not a word the model reads: use letters a-z only, up to ${MAX_LETTERS} of them, e.g. recurrent predict --model DIR hello.`);
    if (!(model instanceof Functional)) throw new InputError('the g2p model.json is not a functional model; train it again with recurrent train --example g2p.');
    const inf = g2pInference(model);
    const said = await pronounce(inf, words, BEAM);
    const width = Math.max(...words.map((w) => w.length));
    words.forEach((w, i) => io.out(`${w.padEnd(width)}  ${said[i].join(' ')}`));
  },
};

