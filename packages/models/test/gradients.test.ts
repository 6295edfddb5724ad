/**
 * Layer-level gradient checks: for every layer and option, the gradients the model computes
 * (read off one SGD step with learning rate 1: g = w_before - w_after) against float64 central
 * differences of the training loss (same dropout masks: the training Rng is rewound before
 * each evaluation), all on core's float64 reference backend.
 */
import { createReferenceBackend } from '@recurrent/core/testing';
import { describe, it } from 'vitest';
import { type HostTensor, type Layer, layers, sequential } from '../src/index.js';
import { checkGradients, hostTensor, randomValues } from './helpers.js';

type Loss = string | { name: string; fromLogits?: boolean };

const gradCheck = (build: () => Layer[], x: HostTensor, y: HostTensor, loss: Loss, seed = 5): Promise<void> =>
  checkGradients(() => sequential({ backend: createReferenceBackend(), seed: 3 }, build()), loss, x, y, seed);

const B = 3;
const T = 4;
const D = 2;
const seq = (seed: number, d = D, b = B, t = T) => hostTensor(randomValues(seed, b * t * d), [b, t, d]);
const targets = (seed: number, shape: number[]) => hostTensor(randomValues(seed, shape.reduce((a, c) => a * c, 1)), shape);
const binary = (shape: number[]) => hostTensor(randomValues(77, shape.reduce((a, c) => a * c, 1)).map((v) => (v > 0 ? 1 : 0)), shape);
const labels = (n: number, k: number, shape: number[]) => hostTensor(Array.from({ length: n }, (_, i) => (i * 7 + 3) % k), shape);
/** A post-padded mask (lengths 4, 2, 1) and one with holes / pre-padding. */
const withMask = (x: HostTensor, valid: number[]): HostTensor => ({ ...x, mask: Uint8Array.from(valid) });
const POST = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
const HOLES = [0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0];
const inputShape = [null, D];

describe('gradient checks (float64 finite differences)', () => {
  it('simpleRNN (tanh) -> dense, mse', () => gradCheck(() => [layers.simpleRNN({ units: 3, inputShape }), layers.dense({ units: 2 })], seq(1), targets(2, [B, 2]), 'mse'));
  it('simpleRNN (relu), returnSequences -> dense on the sequence, mse', () =>
    gradCheck(() => [layers.simpleRNN({ units: 3, activation: 'relu', returnSequences: true, inputShape }), layers.dense({ units: 1 })], seq(3), targets(4, [B, T, 1]), 'mse'));
  it('lstm without bias -> dense sigmoid, binaryCrossentropy (computed from the logits)', () =>
    gradCheck(() => [layers.lstm({ units: 2, useBias: false, inputShape }), layers.dense({ units: 1, activation: 'sigmoid' })], seq(5), binary([B, 1]), 'binaryCrossentropy'));
  it('lstm with recurrentBias and unitForgetBias false -> dense tanh, mse', () =>
    gradCheck(() => [layers.lstm({ units: 2, recurrentBias: true, unitForgetBias: false, inputShape }), layers.dense({ units: 2, activation: 'tanh' })], seq(6), targets(7, [B, 2]), 'mse'));
  it('gru (resetAfter) -> dense softmax, sparseCategoricalCrossentropy', () =>
    gradCheck(() => [layers.gru({ units: 3, inputShape }), layers.dense({ units: 3, activation: 'softmax' })], seq(8), labels(B, 3, [B]), 'sparseCategoricalCrossentropy'));
  it('gru (resetAfter false) -> dense softmax, categoricalCrossentropy on soft targets', () =>
    gradCheck(
      () => [layers.gru({ units: 2, resetAfter: false, inputShape }), layers.dense({ units: 3, activation: 'softmax' })],
      seq(9),
      hostTensor([0.2, 0.5, 0.3, 1, 0, 0, 0.1, 0.1, 0.8], [B, 3]),
      'categoricalCrossentropy',
    ));
  it('dense sigmoid and softmax outputs under mse (activation backward, no logits shortcut)', async () => {
    await gradCheck(() => [layers.simpleRNN({ units: 2, inputShape }), layers.dense({ units: 2, activation: 'sigmoid' })], seq(10), targets(11, [B, 2]), 'mse');
    await gradCheck(() => [layers.simpleRNN({ units: 2, inputShape }), layers.dense({ units: 3, activation: 'softmax' })], seq(12), targets(13, [B, 3]), 'mse');
  });
  it('goBackwards, returnSequences (reversed output order)', () =>
    gradCheck(() => [layers.simpleRNN({ units: 2, goBackwards: true, returnSequences: true, inputShape }), layers.dense({ units: 1 })], seq(14), targets(15, [B, T, 1]), 'mse'));
  it('masked input (post-padding), sequence loss on valid steps only', () =>
    gradCheck(() => [layers.lstm({ units: 2, returnSequences: true, inputShape }), layers.dense({ units: 1 })], withMask(seq(16), POST), targets(17, [B, T, 1]), 'mse'));
  it('masked input with holes and pre-padding, goBackwards, last output', () =>
    gradCheck(() => [layers.gru({ units: 2, goBackwards: true, inputShape }), layers.dense({ units: 1 })], withMask(seq(18), HOLES), targets(19, [B, 1]), 'mse'));
  it('stacked lstm (returnSequences, mask propagated) -> gru -> dense', () =>
    gradCheck(
      () => [layers.lstm({ units: 2, returnSequences: true, inputShape }), layers.gru({ units: 2 }), layers.dense({ units: 1 })],
      withMask(seq(20), HOLES),
      targets(21, [B, 1]),
      'mse',
    ));
  // Hard-sigmoid gates: weights in [-0.6, 0.6) and inputs in [-2, 2) put some gate
  // pre-activations past the kinks (|v| > 2.5 or 3, zero gradient) and none within the
  // finite-difference step 1e-6 of one (the check would fail there: the derivative jumps).
  it('hard-sigmoid gates (both definitions): lstm, gru both modes, masked, goBackwards, recurrentDropout, bidirectional', async () => {
    const big = (seed: number) => hostTensor(randomValues(seed, B * T * D, 2), [B, T, D]);
    await gradCheck(() => [layers.lstm({ units: 3, recurrentActivation: 'hardSigmoidKeras2', returnSequences: true, inputShape }), layers.dense({ units: 1 })], withMask(big(40), POST), targets(41, [B, T, 1]), 'mse');
    await gradCheck(() => [layers.gru({ units: 3, recurrentActivation: 'hardSigmoidKeras3', goBackwards: true, inputShape }), layers.dense({ units: 1 })], withMask(big(42), HOLES), targets(43, [B, 1]), 'mse');
    await gradCheck(() => [layers.gru({ units: 3, resetAfter: false, recurrentActivation: 'hardSigmoidKeras2', recurrentDropout: 0.5, inputShape }), layers.dense({ units: 1 })], big(44), targets(45, [B, 1]), 'mse');
    await gradCheck(() => [layers.lstm({ units: 2, recurrentActivation: 'hardSigmoidKeras3', recurrentDropout: 0.4, inputShape }), layers.dense({ units: 1 })], big(46), targets(47, [B, 1]), 'mse');
    await gradCheck(() => [layers.gru({ units: 2, recurrentActivation: 'hardSigmoidKeras3', recurrentDropout: 0.5, inputShape }), layers.dense({ units: 1 })], big(48), targets(49, [B, 1]), 'mse');
    await gradCheck(
      () => [layers.bidirectional({ layer: layers.gru({ units: 2, resetAfter: false, recurrentActivation: 'hardSigmoidKeras2', returnSequences: true }), inputShape }), layers.dense({ units: 1 })],
      withMask(big(50), HOLES),
      targets(51, [B, T, 1]),
      'mse',
    );
  });

  it('dropout and recurrentDropout (fixed masks)', async () => {
    await gradCheck(() => [layers.lstm({ units: 3, dropout: 0.3, recurrentDropout: 0.4, inputShape }), layers.dense({ units: 1 })], seq(22), targets(23, [B, 1]), 'mse');
    await gradCheck(() => [layers.gru({ units: 3, recurrentDropout: 0.5, inputShape }), layers.dense({ units: 1 })], withMask(seq(24), POST), targets(25, [B, 1]), 'mse');
    await gradCheck(() => [layers.gru({ units: 3, resetAfter: false, recurrentDropout: 0.5, inputShape }), layers.dense({ units: 1 })], withMask(seq(38), HOLES), targets(39, [B, 1]), 'mse');
    await gradCheck(() => [layers.simpleRNN({ units: 3, dropout: 0.5, recurrentDropout: 0.5, inputShape }), layers.dense({ units: 1 })], seq(26), targets(27, [B, 1]), 'mse');
  });
  it('dropout layer between layers', () =>
    gradCheck(() => [layers.simpleRNN({ units: 4, inputShape }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 1 })], seq(28), targets(29, [B, 1]), 'mse'));
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const)
    it(`bidirectional lstm, mergeMode ${mergeMode}, masked, returnSequences`, () =>
      gradCheck(
        () => [layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }), mergeMode, inputShape }), layers.dense({ units: 1 })],
        withMask(seq(30), mergeMode === 'concat' ? HOLES : POST),
        targets(31, [B, T, 1]),
        'mse',
      ));
  it('bidirectional gru, last outputs', () =>
    gradCheck(() => [layers.bidirectional({ layer: layers.gru({ units: 2 }), inputShape }), layers.dense({ units: 1 })], seq(32), targets(33, [B, 1]), 'mse'));
  it('timeDistributed(dense) on a sequence, masked sparse labels per step', () =>
    gradCheck(
      () => [layers.simpleRNN({ units: 2, returnSequences: true, inputShape }), layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'softmax' }) })],
      withMask(seq(34), POST),
      labels(B * T, 3, [B, T]),
      'sparseCategoricalCrossentropy',
    ));
  it('embedding (maskZero) -> lstm -> dense', () =>
    gradCheck(
      () => [layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [null] }), layers.lstm({ units: 2 }), layers.dense({ units: 1 })],
      hostTensor([1, 2, 4, 0, 3, 3, 0, 0, 0, 2, 1, 4], [B, T]),
      targets(35, [B, 1]),
      'mse',
    ));
  it('masking layer -> simpleRNN (masked steps contribute nothing)', () => {
    const x = seq(36);
    for (const r of [6, 7, 9]) for (let d = 0; d < D; d++) x.data[r * D + d] = 0;
    return gradCheck(() => [layers.masking({ inputShape }), layers.simpleRNN({ units: 2 }), layers.dense({ units: 1 })], x, targets(37, [B, 1]), 'mse');
  });
});
