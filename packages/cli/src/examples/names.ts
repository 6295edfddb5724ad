/**
 * The seed tutorial's model on a real task: is an English first name female or male?
 *
 * Model: SimpleRNN(50) -> Dense(1, sigmoid) (the cell and size follow --cell / --units),
 * binary cross-entropy, Adam. Input: one character per time step, one-hot over the lower-cased
 * characters of the training names, padded at the end with a mask (so the padding is skipped,
 * not read). Output: P(female). Scored on the fixed held-out test names against the
 * majority-class baseline (always answering the more common label of the training names).
 */
import { data, layers, optimizers, sequential, type Sequential } from '@recurrent/models';
import { InputError } from '@recurrent/core';
import { type LabelledName, loadNames } from '../datasets/names.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, fitWithProgress, metaField, limited, pct, predictFlat } from './runner.js';

const LABELS = ['male', 'female'] as const;

interface NamesMeta extends ExampleMeta {
  example: 'names';
  vocabulary: data.VocabularyState;
  /** Steps per name: longer names keep their last `length` characters. */
  length: number;
}

/** One-hot [N, length, V] with the padding at the end, plus the mask. */
function encode(vocab: data.CharVocabulary, names: readonly string[], length: number) {
  return vocab.oneHot(names, { length, padding: 'post', truncating: 'pre' });
}

const labels = (items: readonly LabelledName[]) => ({ data: Float32Array.from(items, (n) => n.label), shape: [items.length, 1] });

export const namesExample: Example = {
  name: 'names',
  summary: 'classify English first names as female or male (SimpleRNN(50) -> Dense(1, sigmoid), the seed tutorial)',
  defaults: { cell: 'simpleRnn', units: 50, epochs: 15, batchSize: 32, learningRate: 0.003, window: 0 },

  async train(s, io) {
    const all = loadNames();
    const train = limited(all.train, s.limit, 0.8);
    const val = limited(all.validation, s.limit, 0.1);
    const test = limited(all.test, s.limit, 0.1);
    const vocab = data.CharVocabulary.fromTexts(
      train.map((n) => n.name),
      { lowercase: true },
    );
    const length = Math.max(...train.map((n) => n.name.length));
    const V = vocab.size;
    const model = sequential({ backend: s.backend, seed: s.seed }, [
      buildRecurrent(s.cell, s.units, [null, V]),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    model.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: s.learningRate }), metrics: ['accuracy'] });
    const females = train.filter((n) => n.label === 1).length;
    io.out(
      `${train.length} training names (${pct(females / train.length)} female), ${val.length} validation, ${test.length} test; ` +
        `${all.dropped.length} names in both lists dropped; ${V} tokens, up to ${length} steps`,
    );
    await fitWithProgress(model, encode(vocab, train.map((n) => n.name), length), labels(train), [encode(vocab, val.map((n) => n.name), length), labels(val)], s, io);

    const p = await predictFlat(model, encode(vocab, test.map((n) => n.name), length));
    let right = 0;
    test.forEach((n, i) => {
      if (p[i] >= 0.5 === (n.label === 1)) right++;
    });
    const majority = females * 2 >= train.length ? 1 : 0;
    const baseline = test.filter((n) => n.label === majority).length / test.length;
    return {
      model,
      title: `${cellTitle(s.cell)}(${s.units}) -> Dense(1, sigmoid) on first names, female vs male`,
      score: {
        name: 'test accuracy',
        value: right / test.length,
        baseline,
        baselineName: `majority class (${LABELS[majority]})`,
        higherIsBetter: true,
        format: pct,
      },
      meta: { format: 'recurrent-example/1', example: 'names', vocabulary: vocab.toJSON(), length } satisfies NamesMeta,
    };
  },

  checkMeta(meta, file) {
    metaField.state(meta, 'vocabulary', file, data.CharVocabulary.fromJSON);
    metaField.positiveInt(meta, 'length', file);
  },

  async use(model: Sequential, meta, opts, io) {
    const m = meta as NamesMeta;
    const names = opts.inputs.length > 0 ? opts.inputs : ['Alice', 'Oliver', 'Sophia', 'James', 'Maria', 'Kevin'];
    for (const n of names)
      if (!/^\p{L}[\p{L}'-]*$/u.test(n)) throw new InputError(`'${n}' is not a name: use letters (and - or ') only, e.g. recurrent predict --model DIR Alice Bob.`);
    const vocab = data.CharVocabulary.fromJSON(m.vocabulary);
    const p = await predictFlat(model, encode(vocab, names, m.length));
    const w = Math.max(...names.map((n) => n.length));
    names.forEach((n, i) => {
      const female = p[i] >= 0.5;
      io.out(`${n.padEnd(w)}  ${female ? 'female' : 'male  '}  P(female) = ${p[i].toFixed(3)}`);
    });
  },
};
