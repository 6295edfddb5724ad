/** Bad inputs give typed errors that say what was wrong and how to fix it, and change nothing. */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { InputError, LabelRangeError, ShapeError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { layers, type Sequential, sequential } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

const seqModel = (units = 1, activation: 'sigmoid' | 'softmax' = 'sigmoid', loss = 'binaryCrossentropy') => {
  const m = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.simpleRNN({ units: 4, inputShape: [null, 1] }), layers.dense({ units, activation })]);
  m.compile({ loss, optimizer: 'adam', metrics: ['accuracy'] });
  return m;
};
const X = hostTensor(randomValues(1, 6 * 5), [6, 5, 1]);
const Y = hostTensor([1, 0, 1, 0, 1, 0], [6, 1]);

/** Runs `f`, expects it to reject with `type` and `message`, and checks the weights did not change. */
async function rejectsUnchanged(m: Sequential, f: () => Promise<unknown>, type: new (...a: never[]) => Error, message: RegExp) {
  const before = (await m.getWeights()).map((w) => Array.from(w.data));
  const err = (await f().catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(type);
  expect(err.message).toMatch(message);
  const after = (await m.getWeights()).map((w) => Array.from(w.data));
  expect(after).toEqual(before);
  expect(m.engine.memory().tensors).toBe(m.params.length);
}

describe('bad inputs', () => {
  it('wrong rank: a missing feature axis, a missing batch axis', async () => {
    const m = seqModel();
    await rejectsUnchanged(m, () => m.fit([[0.1, 0.2, 0.3]], [[1]], { verbose: 0 }), ShapeError, /fit x: got shape \[1, 3\], wanted \[batch, any, 1\]\. .*each step needs a feature axis: \[samples, steps, 1\]/);
    await rejectsUnchanged(m, () => m.predict([[0.1], [0.2]]), ShapeError, /predict x: got shape \[2, 1\].*the batch axis is missing: wrap it in an array/);
    await rejectsUnchanged(m, () => m.predict(hostTensor([1, 2, 3, 4], [1, 2, 2])), ShapeError, /wanted \[batch, any, 1\]/);
  });

  it('ragged nested arrays without padding', async () => {
    const m = seqModel();
    await rejectsUnchanged(m, () => m.fit([[[1], [2], [3]], [[1], [2]]], [[1], [0]], { verbose: 0 }), InputError, /ragged .*Pad the sequences.*padSequences/);
  });

  it('NaN and Infinity in data or targets', async () => {
    const m = seqModel();
    const bad = hostTensor(Array.from(X.data), X.shape);
    bad.data[13] = Number.NaN;
    await rejectsUnchanged(m, () => m.fit(bad, Y, { verbose: 0 }), InputError, /fit x: value NaN at \[2, 3, 0\] \(sample 2\) is not a finite number/);
    await rejectsUnchanged(m, () => m.fit(X, [[1], [0], [Infinity], [0], [1], [0]], { verbose: 0 }), InputError, /fit y: value Infinity at \[2, 0\]/);
    await rejectsUnchanged(m, () => m.predict([[[1], [Number.NaN]]]), InputError, /predict x: value NaN/);
  });

  it('labels out of range, binary targets outside [0, 1], negative categorical targets', async () => {
    const sparse = seqModel(3, 'softmax', 'sparseCategoricalCrossentropy');
    await rejectsUnchanged(sparse, () => sparse.fit(X, [0, 1, 2, 3, 1, 0], { verbose: 0 }), LabelRangeError, /label 3 at position 3 is not an integer in \[0, 3\)/);
    await rejectsUnchanged(sparse, () => sparse.fit(X, [0, 1, 2, 0.5, 1, 0], { verbose: 0 }), LabelRangeError, /label 0.5/);
    const bin = seqModel();
    await rejectsUnchanged(bin, () => bin.fit(X, [[1], [0], [2], [0], [1], [0]], { verbose: 0 }), InputError, /binaryCrossentropy target 2 at flat position 2 is outside \[0, 1\]/);
    const cat = seqModel(2, 'softmax', 'categoricalCrossentropy');
    await rejectsUnchanged(cat, () => cat.fit(X, hostTensor([1, 0, 0, 1, -1, 2, 1, 0, 0, 1, 1, 0], [6, 2]), { verbose: 0 }), InputError, /categoricalCrossentropy target -1/);
  });

  it('a loss that does not fit the output shape says which loss or layer fits', async () => {
    const three = seqModel(3, 'softmax', 'binaryCrossentropy');
    await rejectsUnchanged(three, () => three.fit(X, [1, 0, 1, 0, 1, 0], { verbose: 0 }), ShapeError, /The last layer has 3 units: for 3 classes use sparseCategoricalCrossentropy/);
    const cat = seqModel(3, 'softmax', 'categoricalCrossentropy');
    await rejectsUnchanged(cat, () => cat.fit(X, [0, 1, 2, 0, 1, 2], { verbose: 0 }), ShapeError, /For integer class labels use sparseCategoricalCrossentropy/);
    const sparse = seqModel(3, 'softmax', 'sparseCategoricalCrossentropy');
    await rejectsUnchanged(sparse, () => sparse.fit(X, hostTensor(new Array(18).fill(0), [6, 3]), { verbose: 0 }), ShapeError, /For one-hot targets use categoricalCrossentropy/);
    const m = seqModel();
    await rejectsUnchanged(m, () => m.fit(X, [[1], [0]], { verbose: 0 }), ShapeError, /x has 6 samples, y has 2/);
    await rejectsUnchanged(m, () => m.fit(X, hostTensor(new Array(30).fill(0), [6, 5, 1]), { verbose: 0 }), ShapeError, /binaryCrossentropy targets\): got shape \[6, 5, 1\], wanted \[6, 1\]/);
  });

  it('bad masks, initial states and options', async () => {
    const m = seqModel();
    await rejectsUnchanged(m, () => m.predict({ ...X, mask: new Uint8Array(7) }), ShapeError, /predict x \(mask\): got shape \[7\], wanted 30 values/);
    await rejectsUnchanged(m, () => m.predict({ ...X, mask: new Uint8Array(30).fill(2) }), InputError, /mask value 2/);
    await rejectsUnchanged(m, () => m.predict(X, { initialState: { simple_rnn: [hostTensor([0, 0], [1, 2])] } }), ShapeError, /initialState\['simple_rnn'\]\[0\]: got shape \[1, 2\], wanted \[6, units\]/);
    await rejectsUnchanged(m, () => m.predict(X, { initialState: { simple_rnn: [hostTensor(new Array(12).fill(0), [6, 2])] } }), ShapeError, /simple_rnn \(initial state\): got shape \[6, 2\], wanted \[6, 4\]/);
    await rejectsUnchanged(m, () => m.fit(X, Y, { validationSplit: 0.01, verbose: 0 }), Error, /validationSplit 0.01 of 6 samples leaves 0 validation/);
    await rejectsUnchanged(m, () => m.fit(X, Y, { batchSize: 0, verbose: 0 }), Error, /batchSize must be a positive integer/);
  });
});
