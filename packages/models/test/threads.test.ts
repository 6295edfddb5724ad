/**
 * The path users call on a threaded CPU backend: the same seeded model trained with
 * trainOnBatch on 1 and on 2 threads ends with bit-identical weights (the backend splits work
 * by output, so no sum changes order). The layer is large enough that its recurrent matmul
 * (32x128 @ 128x512, 4 MFLOP) and its Adam updates (65,536 weights) are split.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { testRandom } from '@recurrent/core/testing';
import { expect, it } from 'vitest';
import { layers, optimizers, sequential } from '../src/index.js';

it('trainOnBatch: bit-identical weights for 1 and 2 threads', async () => {
  const [B, T, D, H] = [32, 3, 32, 128];
  const r = testRandom(5);
  const x = { data: Float32Array.from({ length: B * T * D }, () => r(-1, 1)), shape: [B, T, D] };
  const y = { data: Float32Array.from({ length: B }, (_, i) => i % 10), shape: [B] };
  const weights = [];
  for (const threads of [1, 2]) {
    const backend = createCpuBackend({ threads });
    const model = sequential({ backend, seed: 3 }, [layers.lstm({ units: H, inputShape: [T, D] }), layers.dense({ units: 10, activation: 'softmax' })]);
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: 0.01 }) });
    for (let s = 0; s < 3; s++) await model.trainOnBatch(x, y);
    weights.push((await model.getWeights()).map((w) => Float32Array.from(w.data)));
    backend.destroy?.();
  }
  expect(weights[1].length).toBe(weights[0].length);
  for (let i = 0; i < weights[0].length; i++) expect(new Uint32Array(weights[1][i].buffer)).toEqual(new Uint32Array(weights[0][i].buffer));
});
