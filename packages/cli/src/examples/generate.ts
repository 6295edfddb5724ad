/**
 * Character-level name generation (Karpathy's char-rnn / makemore on the stdlib names).
 *
 * Every training name (female and male) becomes `<b> c1 ... cn` -> `c1 ... cn <b>`: at each
 * step the model predicts the next character, and the boundary token `<b>` ends a name.
 * Model: Embedding(V, 16, maskZero) -> LSTM(units, returnSequences) -> Dense(V, softmax),
 * categorical cross-entropy with one-hot targets whose padded steps are all-zero rows (so
 * they add nothing to the loss). Score: the validation loss per character in nats (real steps
 * only, end token included) against a unigram model (each character's training frequency,
 * add-one smoothed). Sampling: one character at a time with a temperature, until `<b>`.
 */
import { InputError, Rng } from '@recurrent/core';
import { data, layers, optimizers, sequential, type Sequential } from '@recurrent/models';
import { loadNames } from '../datasets/names.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, fitWithProgress, metaField, limited, predictFlat } from './runner.js';

interface GenerateMeta extends ExampleMeta {
  example: 'generate';
  vocabulary: data.VocabularyState;
  /** Longest name the model was trained on (sampling stops there). */
  maxLength: number;
  /** Lower-cased training names, to tell new names from copies. */
  trainNames: string[];
}

/** Inputs `<b> c1..cn` (indices, padded at the end) and one-hot targets `c1..cn <b>` (padded steps all zero). */
function sequences(vocab: data.CharVocabulary, names: readonly string[], L: number) {
  const b = vocab.boundaryIndex;
  const ids = names.map((n) => vocab.encode(n).slice(0, L - 1));
  const x = data.padSequences(
    ids.map((s) => [b, ...s]),
    { length: L, padding: 'post' },
  );
  const targets = data.padSequences(
    ids.map((s) => [...s, b]),
    { length: L, padding: 'post', value: vocab.padIndex },
  );
  const y = data.oneHot(targets, vocab.size, { zeroIndex: vocab.padIndex });
  return { x, y, targets };
}

/** Mean -log p(target) over the real steps of `targets`, from softmax outputs `p` [N, L, V]. */
function perCharLoss(p: ArrayLike<number>, targets: data.PaddedSequences, V: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < targets.mask.length; i++) {
    if (!targets.mask[i]) continue;
    sum -= Math.log(Math.max(p[i * V + targets.data[i]], 1e-12));
    n++;
  }
  return sum / n;
}

const nats = (v: number): string => `${v.toFixed(3)} nats/char`;

/** Samples `count` names at once: one predict per character position, all rows advancing together. */
export async function sampleNames(model: Sequential, vocab: data.CharVocabulary, maxLength: number, count: number, temperature: number, rng: Rng): Promise<string[]> {
  const V = vocab.size;
  const b = vocab.boundaryIndex;
  const seqs = Array.from({ length: count }, () => [b]);
  const done = new Array<boolean>(count).fill(false);
  for (let t = 1; t <= maxLength + 1 && done.includes(false); t++) {
    const x = { data: Float32Array.from(seqs.flat()), shape: [count, t] };
    const p = await predictFlat(model, x);
    for (let i = 0; i < count; i++) {
      if (done[i]) {
        seqs[i].push(b);
        continue;
      }
      const probs = Array.from(p.subarray((i * t + t - 1) * V, (i * t + t) * V));
      probs[vocab.padIndex] = 0;
      if (vocab.unknownIndex >= 0) probs[vocab.unknownIndex] = 0;
      if (t > maxLength) {
        // As long as the longest training name: end it here.
        probs.fill(0);
        probs[b] = 1;
      }
      const c = data.sampleWithTemperature(probs, temperature, rng);
      seqs[i].push(c);
      if (c === b) done[i] = true;
    }
  }
  return seqs.map((s) => {
    const name = vocab.decode(s);
    return name.charAt(0).toUpperCase() + name.slice(1);
  });
}

export const generateExample: Example = {
  name: 'generate',
  summary: 'train a character-level LSTM on the names and sample new ones with a temperature, vs a unigram model',
  defaults: { cell: 'lstm', units: 64, epochs: 15, batchSize: 32, learningRate: 0.005, window: 0 },

  async train(s, io) {
    const all = loadNames();
    const train = limited(all.train, s.limit, 0.8).map((n) => n.name.toLowerCase());
    const val = limited(all.validation, s.limit, 0.1).map((n) => n.name.toLowerCase());
    const vocab = data.CharVocabulary.fromTexts(train, { lowercase: true, boundary: true });
    const V = vocab.size;
    const maxLength = Math.max(...train.map((n) => n.length));
    const L = maxLength + 1;
    io.out(`${train.length} training names, ${val.length} validation; ${V} tokens, ${L} steps`);
    const model = sequential({ backend: s.backend, seed: s.seed }, [
      layers.embedding({ inputDim: V, outputDim: 16, maskZero: true, inputShape: [null] }),
      buildRecurrent(s.cell, s.units, [null, 16], { returnSequences: true }),
      layers.dense({ units: V, activation: 'softmax' }),
    ]);
    model.compile({ loss: 'categoricalCrossentropy', optimizer: optimizers.adam({ learningRate: s.learningRate }) });
    const tr = sequences(vocab, train, L);
    const va = sequences(vocab, val, L);
    await fitWithProgress(model, tr.x, tr.y, [va.x, va.y], s, io);

    const loss = perCharLoss(await predictFlat(model, va.x), va.targets, V);
    // Unigram: each token's frequency among the training targets (characters and the end token), add-one smoothed over the tokens that can occur.
    const counts = new Float64Array(V);
    for (let i = 0; i < tr.targets.mask.length; i++) if (tr.targets.mask[i]) counts[tr.targets.data[i]]++;
    const possible = vocab.tokens.map((_, i) => i).filter((i) => i !== vocab.padIndex && i !== vocab.unknownIndex);
    const total = possible.reduce((t, i) => t + counts[i] + 1, 0);
    const uni = new Float64Array(V);
    for (const i of possible) uni[i] = (counts[i] + 1) / total;
    const uniP = new Float64Array(va.targets.mask.length * V);
    for (let i = 0; i < va.targets.mask.length; i++) uniP.set(uni, i * V);
    const baseline = perCharLoss(uniP, va.targets, V);
    return {
      model,
      title: `Embedding(${V}, 16) -> ${cellTitle(s.cell)}(${s.units}) -> Dense(${V}, softmax), next character of a name`,
      score: { name: 'validation loss', value: loss, baseline, baselineName: 'unigram', higherIsBetter: false, format: nats },
      meta: { format: 'recurrent-example/1', example: 'generate', vocabulary: vocab.toJSON(), maxLength, trainNames: train } satisfies GenerateMeta,
    };
  },

  checkMeta(meta, file) {
    metaField.state(meta, 'vocabulary', file, data.CharVocabulary.fromJSON);
    metaField.positiveInt(meta, 'maxLength', file);
    metaField.strings(meta, 'trainNames', file);
  },

  async use(model: Sequential, meta, opts, io) {
    const m = meta as GenerateMeta;
    if (opts.inputs.length > 0) throw new InputError(`a name-generation model takes no inputs (got '${opts.inputs[0]}'); use recurrent generate --model DIR [--count N] [--temperature T].`);
    const vocab = data.CharVocabulary.fromJSON(m.vocabulary);
    const names = await sampleNames(model, vocab, m.maxLength, opts.count, opts.temperature, new Rng(opts.seed));
    const known = new Set(m.trainNames);
    const fresh = names.filter((n) => !known.has(n.toLowerCase())).length;
    io.out(`${names.length} names at temperature ${opts.temperature} (seed ${opts.seed}); ${fresh} not in the training names:`);
    io.out(names.map((n) => (known.has(n.toLowerCase()) ? n : `${n}*`)).join(', '));
    io.out('(* = a new name)');
  },
};
