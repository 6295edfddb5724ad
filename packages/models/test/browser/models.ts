/**
 * Shared by the browser tests: a small trained model (LSTM + dense, Adam state after 2 epochs),
 * its data, and what two models must agree on after a round trip.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { testRandom } from '@recurrent/core/testing';
import { expect } from 'vitest';
import { layers, type Sequential, sequential } from '../../src/index.js';

const r = testRandom(7);
export const x = { data: Float64Array.from({ length: 8 * 5 * 2 }, () => r(-1, 1)), shape: [8, 5, 2] };
export const y = { data: Float64Array.from({ length: 8 }, (_, i) => (i % 3) / 2), shape: [8, 1] };

/** LSTM(4) + dense(1), compiled with Adam and trained 2 epochs (so it has optimizer slots and a step count). */
export async function trainedModel(seed: number): Promise<Sequential> {
  const m = sequential({ backend: createCpuBackend(), seed }, [
    layers.lstm({ units: 4, inputShape: [null, 2] }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ]);
  m.compile({ loss: 'mse', optimizer: 'adam', metrics: ['mae'] });
  await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
  return m;
}

export const predictions = async (m: Sequential): Promise<number[]> => Array.from((await m.predict(x)).data);

/**
 * The loaded model is the saved one: same predictions and weights (bitwise), same step count,
 * and one more epoch of training (shuffling, Adam moments and bias correction) gives the same
 * losses and weights on both. Trains both models.
 */
export async function expectSameModel(loaded: Sequential, saved: Sequential): Promise<void> {
  expect(await predictions(loaded)).toEqual(await predictions(saved));
  const [a, b] = [await loaded.getWeights(), await saved.getWeights()];
  expect(a.map((w) => [w.name, w.shape])).toEqual(b.map((w) => [w.name, w.shape]));
  a.forEach((w, i) => expect(Array.from(w.data), w.name).toEqual(Array.from(b[i].data)));
  expect(loaded.epochsTrained).toBe(saved.epochsTrained);
  expect(loaded.optimizer?.iterations).toBe(saved.optimizer?.iterations);
  const [ha, hb] = [await loaded.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }), await saved.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })];
  expect(ha.history.loss).toEqual(hb.history.loss);
  expect(await predictions(loaded)).toEqual(await predictions(saved));
}
