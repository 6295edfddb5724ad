/**
 * The tfjs-layers models every round trip runs (Node and Chromium): one per layer and option of
 * the Keras mapping. Each builds a tfjs-layers model with random weights (biases too) and an
 * input batch. Recurrent activations are 'sigmoid' except in the hard_sigmoid cases (tfjs's default,
 * Keras 2's clip(0.2 x + 0.5, 0, 1); inputs scaled by 3 so the clip is reached).
 * No Node imports: the browser project reuses this file.
 */
import type * as tfNs from '@tensorflow/tfjs';
import { testRandom } from '@recurrent/core/testing';

type Tf = typeof tfNs;

export interface Input {
  data: Float32Array;
  shape: number[];
}

export interface Case {
  name: string;
  build(tf: Tf): tfNs.LayersModel;
  input(seed: number): Input;
}

const B = 3;
const T = 5;
const D = 4;

export function randomInput(seed: number, shape: number[], s = 1): Input {
  const r = testRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => r(-s, s)), shape };
}

/** Sequences with padded steps (all features zero): post-padding, pre-padding and a hole. */
export function paddedInput(seed: number): Input {
  const x = randomInput(seed, [B, T, D]);
  const zero = (b: number, t: number) => x.data.fill(0, (b * T + t) * D, (b * T + t + 1) * D);
  zero(0, 3);
  zero(0, 4); // post-padding
  zero(1, 0); // pre-padding
  zero(2, 2); // a hole
  return x;
}

/** Token indices in [0, 10) with 0 as padding (post, pre and a hole). */
function tokenInput(seed: number): Input {
  const r = testRandom(seed);
  const data = Float32Array.from({ length: B * T }, () => 1 + Math.floor(r(0, 9)));
  data[3] = data[4] = 0;
  data[T] = 0;
  data[2 * T + 2] = 0;
  return { data, shape: [B, T] };
}

/** Sets every weight of a tfjs model to uniform(-0.5, 0.5) values from `seed`. */
export function randomizeTfjs(tf: Tf, m: tfNs.LayersModel, seed: number): tfNs.LayersModel {
  const r = testRandom(seed);
  m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => r(-0.5, 0.5)), w.shape)));
  return m;
}

const seqInput = (seed: number) => randomInput(seed, [B, T, D]);
const ra = 'sigmoid' as const;

function seq(tf: Tf, layers: tfNs.layers.Layer[]): tfNs.LayersModel {
  const m = tf.sequential();
  for (const l of layers) m.add(l);
  return m;
}

export const CASES: Case[] = [
  { name: 'SimpleRNN tanh', build: (tf) => seq(tf, [tf.layers.simpleRNN({ units: 6, inputShape: [T, D] })]), input: seqInput },
  {
    name: 'SimpleRNN relu, returnSequences, goBackwards',
    build: (tf) => seq(tf, [tf.layers.simpleRNN({ units: 6, activation: 'relu', returnSequences: true, goBackwards: true, inputShape: [null, D] })]),
    input: seqInput,
  },
  { name: 'LSTM', build: (tf) => seq(tf, [tf.layers.lstm({ units: 5, recurrentActivation: ra, inputShape: [T, D] })]), input: seqInput },
  {
    name: 'LSTM useBias false, goBackwards, unitForgetBias',
    build: (tf) => seq(tf, [tf.layers.lstm({ units: 5, recurrentActivation: ra, useBias: false, unitForgetBias: true, goBackwards: true, inputShape: [T, D] })]),
    input: seqInput,
  },
  {
    name: 'stacked LSTM returnSequences + Dense softmax',
    build: (tf) =>
      seq(tf, [
        tf.layers.lstm({ units: 6, recurrentActivation: ra, returnSequences: true, inputShape: [T, D] }),
        tf.layers.lstm({ units: 4, recurrentActivation: ra, returnSequences: true }),
        tf.layers.lstm({ units: 3, recurrentActivation: ra }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    input: seqInput,
  },
  { name: 'LSTM hard_sigmoid (tfjs default recurrent activation)', build: (tf) => seq(tf, [tf.layers.lstm({ units: 5, inputShape: [T, D] })]), input: (seed) => randomInput(seed, [B, T, D], 3) },
  {
    name: 'GRU hard_sigmoid, SimpleRNN on top (tfjs defaults)',
    build: (tf) => seq(tf, [tf.layers.gru({ units: 5, returnSequences: true, inputShape: [T, D] }), tf.layers.simpleRNN({ units: 3 })]),
    input: (seed) => randomInput(seed, [B, T, D], 3),
  },
  {
    name: 'Bidirectional LSTM hard_sigmoid',
    build: (tf) => seq(tf, [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true }) as never, inputShape: [T, D] })]),
    input: (seed) => randomInput(seed, [B, T, D], 3),
  },
  { name: 'GRU (reset_after false)', build: (tf) => seq(tf, [tf.layers.gru({ units: 5, recurrentActivation: ra, inputShape: [T, D] })]), input: seqInput },
  {
    name: 'GRU returnSequences, goBackwards, useBias false',
    build: (tf) => seq(tf, [tf.layers.gru({ units: 5, recurrentActivation: ra, returnSequences: true, goBackwards: true, useBias: false, inputShape: [T, D] })]),
    input: seqInput,
  },
  {
    name: 'Embedding maskZero + LSTM + Dense sigmoid',
    build: (tf) =>
      seq(tf, [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: T }),
        tf.layers.lstm({ units: 5, recurrentActivation: ra }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ]),
    input: tokenInput,
  },
  {
    name: 'Masking + stacked GRU',
    build: (tf) =>
      seq(tf, [
        tf.layers.masking({ maskValue: 0, inputShape: [T, D] }),
        tf.layers.gru({ units: 5, recurrentActivation: ra, returnSequences: true }),
        tf.layers.simpleRNN({ units: 3 }),
      ]),
    input: paddedInput,
  },
  {
    name: 'Dropout between layers (inference)',
    build: (tf) =>
      seq(tf, [
        tf.layers.lstm({ units: 5, recurrentActivation: ra, returnSequences: true, dropout: 0.2, recurrentDropout: 0.1, inputShape: [T, D] }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.gru({ units: 4, recurrentActivation: ra }),
        tf.layers.dense({ units: 6, activation: 'relu' }),
      ]),
    input: seqInput,
  },
  ...(['concat', 'sum', 'mul', 'ave'] as const).map(
    (mergeMode): Case => ({
      name: `Bidirectional LSTM mergeMode ${mergeMode}`,
      build: (tf) => seq(tf, [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, recurrentActivation: ra }) as never, mergeMode, inputShape: [T, D] })]),
      input: seqInput,
    }),
  ),
  {
    name: 'Bidirectional GRU returnSequences + TimeDistributed Dense',
    build: (tf) =>
      seq(tf, [
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, recurrentActivation: ra, returnSequences: true }) as never, inputShape: [T, D] }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }) }),
      ]),
    input: seqInput,
  },
  {
    name: 'Bidirectional SimpleRNN over a mask',
    build: (tf) =>
      seq(tf, [
        tf.layers.masking({ inputShape: [T, D] }),
        tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3 }) as never, mergeMode: 'sum' }),
      ]),
    input: paddedInput,
  },
  {
    name: 'batchInputShape, stateful LSTM (first batch)',
    build: (tf) => seq(tf, [tf.layers.lstm({ units: 4, recurrentActivation: ra, stateful: true, batchInputShape: [B, T, D] }), tf.layers.dense({ units: 2 })]),
    input: seqInput,
  },
  {
    name: 'functional chain: Input -> GRU -> Dense',
    build: (tf) => {
      const x = tf.input({ shape: [T, D] });
      const h = tf.layers.gru({ units: 4, recurrentActivation: ra }).apply(x) as tfNs.SymbolicTensor;
      return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3 }).apply(h) as tfNs.SymbolicTensor });
    },
    input: seqInput,
  },
];
