/**
 * Handwritten digits read row by row: each 28 x 28 image is a sequence of 28 steps of 28
 * pixels, top row first, and the recurrent layer's last state classifies it.
 *
 * Model: LSTM(64) -> Dense(10, softmax) (the cell and size follow --cell / --units), sparse
 * categorical cross-entropy, Adam. Scored on the fixed held-out test images against the
 * majority class and against a dense network on the flattened image (Dense(units, relu) ->
 * Dense(10, softmax)), trained by the same library with the same epochs, batch size, learning
 * rate, early stopping and seed.
 */
import { InputError } from '@recurrent/core';
import { data, layers, optimizers, type Sequential, sequential } from '@recurrent/models';
import { type DigitImages, loadDigits, SIDE } from '../datasets/digits.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, type TrainSettings, fitWithProgress, metaField, pct, predictFlat } from './runner.js';
import type { Io } from '../cli.js';

/** Images shown by `use` without inputs. */
const SHOWN = 4;

interface DigitsMeta extends ExampleMeta {
  example: 'digits';
  side: number;
}

/** The first `n` images (all of them when n >= their number). */
function first(set: DigitImages, n: number): DigitImages {
  const k = Math.min(n, set.labels.length);
  return { pixels: set.pixels.subarray(0, k * SIDE * SIDE), labels: set.labels.subarray(0, k) };
}

/** [N, 28, 28]: rows are the steps. */
const rows = (set: DigitImages) => ({ data: set.pixels, shape: [set.labels.length, SIDE, SIDE] });
/** [N, 784]: the flattened image, for the dense network. */
const flat = (set: DigitImages) => ({ data: set.pixels, shape: [set.labels.length, SIDE * SIDE] });
const targets = (set: DigitImages) => ({ data: Float32Array.from(set.labels), shape: [set.labels.length] });

/** The predicted digit and its probability per image, from softmax outputs [N, 10]. */
function decide(p: ArrayLike<number>, n: number): { digit: number; p: number }[] {
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: 10 }, (_, k) => p[i * 10 + k]);
    const digit = data.argmax(row);
    return { digit, p: row[digit] };
  });
}

const accuracy = (pred: { digit: number }[], set: DigitImages): number => pred.filter((q, i) => q.digit === set.labels[i]).length / pred.length;

/** Trains `model` on the split and returns its test accuracy. */
async function trainAndScore(model: Sequential, input: (s: DigitImages) => { data: Float32Array; shape: number[] }, split: { train: DigitImages; val: DigitImages; test: DigitImages }, s: TrainSettings, io: Io) {
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: s.learningRate }), metrics: ['accuracy'] });
  await fitWithProgress(model, input(split.train), targets(split.train), [input(split.val), targets(split.val)], s, io);
  return accuracy(decide(await predictFlat(model, input(split.test)), split.test.labels.length), split.test);
}

/** ASCII art of one image: 28 characters per row, darker = denser; blank rows at the top and bottom cropped. */
export function asciiDigit(pixels: ArrayLike<number>): string[] {
  const shades = ' .:-=+*#%@';
  const lines: string[] = [];
  for (let r = 0; r < SIDE; r++) {
    let line = '';
    for (let c = 0; c < SIDE; c++) line += shades[Math.min(shades.length - 1, Math.floor(pixels[r * SIDE + c] * shades.length))];
    lines.push(line);
  }
  const ink = lines.map((l) => l.trim() !== '');
  const top = ink.indexOf(true);
  const bottom = ink.lastIndexOf(true);
  return top < 0 ? lines : lines.slice(top, bottom + 1);
}

export const digitsExample: Example = {
  name: 'digits',
  summary: 'classify handwritten digits (mnist) read as 28 rows of 28 pixels, vs the majority class and a dense network',
  defaults: { cell: 'lstm', units: 64, epochs: 15, batchSize: 64, learningRate: 0.005, window: 0 },

  async train(s, io) {
    const all = loadDigits();
    const n = s.limit ?? all.train.labels.length;
    const split = { train: first(all.train, n), val: first(all.validation, Math.max(50, Math.round(n / 8))), test: all.test };
    const counts = new Array<number>(10).fill(0);
    for (const d of split.train.labels) counts[d]++;
    const majority = data.argmax(counts);
    io.out(`${split.train.labels.length} training images, ${split.val.labels.length} validation, ${split.test.labels.length} test (of ${all.train.labels.length + all.validation.labels.length + all.test.labels.length} in mnist 1.1.0)`);

    const rnn = sequential({ backend: s.backend, seed: s.seed }, [buildRecurrent(s.cell, s.units, [SIDE, SIDE]), layers.dense({ units: 10, activation: 'softmax' })]);
    const rnnTitle = `${cellTitle(s.cell)}(${s.units}) -> Dense(10, softmax) on 28 rows of 28 pixels`;
    io.out(`${rnnTitle}, ${rnn.countParams()} parameters:`);
    const rnnAcc = await trainAndScore(rnn, rows, split, s, io);

    const dense = sequential({ backend: s.backend, seed: s.seed }, [
      layers.dense({ units: s.units, activation: 'relu', inputShape: [SIDE * SIDE] }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    const denseTitle = `Dense(${s.units}, relu) -> Dense(10, softmax) on the flattened 784 pixels`;
    io.out(`baseline: ${denseTitle}, ${dense.countParams()} parameters, same epochs, batch, learning rate and early stopping:`);
    const denseAcc = await trainAndScore(dense, flat, split, s, io);
    dense.dispose();

    const majorityAcc = split.test.labels.filter((d) => d === majority).length / split.test.labels.length;
    return {
      model: rnn,
      title: rnnTitle,
      score: { name: 'test accuracy', value: rnnAcc, baseline: majorityAcc, baselineName: `majority class (${majority})`, higherIsBetter: true, format: pct },
      notes: [
        'test accuracy, side by side:',
        `  ${`${cellTitle(s.cell)}(${s.units}), rows as steps`.padEnd(34)} ${pct(rnnAcc)}`,
        `  ${`Dense(${s.units}), flattened image`.padEnd(34)} ${pct(denseAcc)}`,
        `  ${`majority class (${majority})`.padEnd(34)} ${pct(majorityAcc)}`,
      ],
      meta: { format: 'recurrent-example/1', example: 'digits', side: SIDE } satisfies DigitsMeta,
    };
  },

  checkMeta(meta, file) {
    // The model reads SIDE x SIDE images; another size means the file was edited.
    if (metaField.positiveInt(meta, 'side', file) !== SIDE) metaField.fail(file, 'side', `${SIDE}`, meta.side);
  },

  async use(model: Sequential, _meta, opts, io) {
    const test = loadDigits().test;
    const N = test.labels.length;
    const picks = opts.inputs.length > 0 ? opts.inputs.map((t) => {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= N) throw new InputError(`'${t}' is not a test image: give indices 0 to ${N - 1} of the held-out test images, e.g. recurrent predict --model DIR 0 1 2.`);
      return i;
    }) : Array.from({ length: SHOWN }, (_, i) => i);
    const px = new Float32Array(picks.length * SIDE * SIDE);
    picks.forEach((j, i) => px.set(test.pixels.subarray(j * SIDE * SIDE, (j + 1) * SIDE * SIDE), i * SIDE * SIDE));
    const pred = decide(await predictFlat(model, { data: px, shape: [picks.length, SIDE, SIDE] }), picks.length);
    // Up to four images side by side.
    for (let b = 0; b < picks.length; b += SHOWN) {
      const block = picks.slice(b, b + SHOWN).map((j, k) => {
        const q = pred[b + k];
        const head = `#${j}: ${q.digit} (P ${q.p.toFixed(2)})${q.digit === test.labels[j] ? '' : ` true ${test.labels[j]}`}`;
        return [head, ...asciiDigit(px.subarray((b + k) * SIDE * SIDE, (b + k + 1) * SIDE * SIDE))];
      });
      const height = Math.max(...block.map((l) => l.length));
      for (let r = 0; r < height; r++) io.out(block.map((l) => (l[r] ?? '').padEnd(SIDE)).join('  ').trimEnd());
    }
  },
};
