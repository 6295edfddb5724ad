/**
 * Models covering every layer and option the exporters map, with random (seeded) weights,
 * biases included, and inputs with and without masks. Shared by the PyTorch and ONNX tests.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { type HostTensor, type layers as L, layers, type Sequential, sequential } from '@recurrent/models';

/** A small seeded generator (the tests' data; expected values always come from the engines). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Case {
  name: string;
  model: Sequential;
  x: HostTensor;
  /** Post-padding lengths the exported model is given instead of x.mask. */
  lengths?: number[];
}

const B = 4;
const T = 5;
const D = 3;

function randomize(model: Sequential, seed: number): void {
  const r = lcg(seed);
  const ps = model.params;
  model.setWeights(ps.map((p) => ({ data: Float32Array.from({ length: p.value.size }, () => (r() - 0.5) * 1.2), shape: [...p.value.shape] })));
}

function input(seed: number, opts: { zeroSteps?: [number, number][]; indices?: number; scale?: number } = {}): HostTensor {
  const r = lcg(seed);
  if (opts.indices) {
    const data = Float32Array.from({ length: B * T }, () => 1 + Math.floor(r() * (opts.indices! - 1)));
    for (const [b, t] of opts.zeroSteps ?? []) data[b * T + t] = 0;
    return { data, shape: [B, T] };
  }
  const data = Float32Array.from({ length: B * T * D }, () => (r() * 2 - 1) * (opts.scale ?? 1));
  for (const [b, t] of opts.zeroSteps ?? []) data.fill(0, (b * T + t) * D, (b * T + t + 1) * D);
  return { data, shape: [B, T, D] };
}

const make = (name: string, seed: number, ls: L.Layer[], x: HostTensor, lengths?: number[]): Case => {
  const model = sequential({ backend: createCpuBackend(), seed }, ls);
  randomize(model, seed);
  return { name, model, x, lengths };
};

/** Post-padding mask rows for lengths. */
function withLengths(x: HostTensor, lengths: number[]): HostTensor {
  const mask = new Uint8Array(B * T);
  lengths.forEach((L, b) => mask.fill(1, b * T, b * T + L));
  return { ...x, mask };
}

const holes: [number, number][] = [
  [0, 1],
  [1, 0],
  [1, 4],
  [2, 2],
  [2, 3],
];
const emptyRow: [number, number][] = [0, 1, 2, 3, 4].map((t) => [3, t]);

export function cases(): Case[] {
  const shape = [null, D];
  const lens = [5, 3, 1, 4];
  return [
    make('simpleRNN tanh, returnSequences', 1, [layers.simpleRNN({ units: 4, returnSequences: true, inputShape: shape })], input(11)),
    make('simpleRNN relu, no bias + dense', 2, [layers.simpleRNN({ units: 4, activation: 'relu', useBias: false, inputShape: shape }), layers.dense({ units: 2 })], input(12)),
    make('lstm + dense sigmoid', 3, [layers.lstm({ units: 4, inputShape: shape }), layers.dense({ units: 1, activation: 'sigmoid' })], input(13)),
    make('lstm recurrentBias, goBackwards, returnSequences', 4, [layers.lstm({ units: 3, recurrentBias: true, goBackwards: true, returnSequences: true, inputShape: shape })], input(14)),
    make('gru resetAfter', 5, [layers.gru({ units: 4, inputShape: shape })], input(15)),
    make('gru resetAfter false (explicit cell)', 6, [layers.gru({ units: 4, resetAfter: false, returnSequences: true, inputShape: shape })], input(16)),
    make('bidirectional gru resetAfter false concat', 7, [layers.bidirectional({ layer: layers.gru({ units: 3, resetAfter: false, returnSequences: true }), inputShape: shape })], input(17)),
    make('bidirectional lstm sum', 8, [layers.bidirectional({ layer: layers.lstm({ units: 3 }), mergeMode: 'sum', inputShape: shape })], input(18)),
    make('bidirectional simpleRNN ave, returnSequences', 9, [layers.bidirectional({ layer: layers.simpleRNN({ units: 3, returnSequences: true }), mergeMode: 'ave', inputShape: shape })], input(19)),
    make('bidirectional gru mul', 10, [layers.bidirectional({ layer: layers.gru({ units: 3 }), mergeMode: 'mul', inputShape: shape })], input(20)),
    make(
      'stacked lstm -> gru -> dense softmax',
      11,
      [layers.lstm({ units: 4, returnSequences: true, inputShape: shape }), layers.gru({ units: 3 }), layers.dense({ units: 3, activation: 'softmax' })],
      input(21),
    ),
    make(
      'masking (holes, an empty row) -> lstm seq -> timeDistributed dense',
      12,
      [layers.masking({ inputShape: shape }), layers.lstm({ units: 3, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'tanh' }) })],
      input(22, { zeroSteps: [...holes, ...emptyRow] }),
    ),
    make(
      'masking -> gru goBackwards seq',
      13,
      [layers.masking({ inputShape: shape }), layers.gru({ units: 3, goBackwards: true, returnSequences: true })],
      input(23, { zeroSteps: holes }),
    ),
    make(
      'masking -> bidirectional lstm concat',
      14,
      [layers.masking({ inputShape: shape }), layers.bidirectional({ layer: layers.lstm({ units: 3 }) })],
      input(24, { zeroSteps: holes }),
    ),
    make(
      'embedding maskZero -> bidirectional gru seq -> dense',
      15,
      [layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [null] }), layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }) }), layers.dense({ units: 1 })],
      input(25, { indices: 7, zeroSteps: [[0, 4], [1, 3], [1, 4], [2, 0]] }),
    ),
    { ...make('variable lengths (input mask) -> lstm', 16, [layers.lstm({ units: 4, inputShape: shape }), layers.dense({ units: 1 })], withLengths(input(26), lens)), lengths: lens },
    { ...make('variable lengths -> gru resetAfter false seq', 17, [layers.gru({ units: 3, resetAfter: false, returnSequences: true, inputShape: shape })], withLengths(input(27), lens)), lengths: lens },
    make('lstm returnState', 18, [layers.lstm({ units: 3, returnState: true, inputShape: shape })], input(28)),
    // Hard sigmoids, with inputs large enough to reach the clipped regions.
    make('lstm hardSigmoidKeras2, returnSequences', 20, [layers.lstm({ units: 4, recurrentActivation: 'hardSigmoidKeras2', returnSequences: true, inputShape: shape })], input(30, { scale: 4 })),
    make(
      'bidirectional gru hardSigmoidKeras3 concat',
      21,
      [layers.bidirectional({ layer: layers.gru({ units: 3, recurrentActivation: 'hardSigmoidKeras3', returnSequences: true }), inputShape: shape })],
      input(31, { scale: 4 }),
    ),
    {
      ...make('variable lengths -> gru resetAfter false hardSigmoidKeras2', 22, [layers.gru({ units: 3, resetAfter: false, recurrentActivation: 'hardSigmoidKeras2', inputShape: shape })], withLengths(input(32, { scale: 4 }), lens)),
      lengths: lens,
    },
    make('masking -> lstm hardSigmoidKeras3 goBackwards', 23, [layers.masking({ inputShape: shape }), layers.lstm({ units: 3, recurrentActivation: 'hardSigmoidKeras3', goBackwards: true })], input(33, { zeroSteps: holes, scale: 4 })),
    make('dropout + dense relu', 19, [layers.gru({ units: 4, dropout: 0.3, inputShape: shape }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 2, activation: 'relu' })], input(29)),
  ];
}
