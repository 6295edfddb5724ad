/**
 * Handle leaks: the engine's live tensor count and the backend's buffer count stay flat over
 * many fit steps (and predict / evaluate / trainOnBatch / save calls) for models using every
 * layer kind, masks, dropout and stateful layers; and after a failed step.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { describe, expect, it } from 'vitest';
import { io, layers, optimizers, type Sequential, sequential } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

const N = 16;
const T = 5;
const D = 3;

function models(): [string, () => Sequential, () => { x: ReturnType<typeof hostTensor>; y: ReturnType<typeof hostTensor> }][] {
  const seqData = () => {
    const x = hostTensor(randomValues(1, N * T * D), [N, T, D]);
    const mask = new Uint8Array(N * T).fill(1);
    for (let i = 0; i < N; i += 3) mask[i * T] = 0;
    return { x: { ...x, mask }, y: hostTensor(Array.from({ length: N }, (_, i) => i % 2), [N, 1]) };
  };
  return [
    [
      'bidirectional lstm (masked, dropout) -> gru -> dense',
      () =>
        sequential({ backend: createCpuBackend(), seed: 1 }, [
          layers.bidirectional({ layer: layers.lstm({ units: 4, returnSequences: true, dropout: 0.2, recurrentDropout: 0.2 }), inputShape: [null, D] }),
          layers.gru({ units: 3, goBackwards: true }),
          layers.dropout({ rate: 0.2 }),
          layers.dense({ units: 1, activation: 'sigmoid' }),
        ]),
      seqData,
    ],
    [
      'stateful simpleRNN -> timeDistributed(dense) on the sequence',
      () =>
        sequential({ backend: createCpuBackend(), seed: 2 }, [
          layers.simpleRNN({ units: 4, returnSequences: true, stateful: true, batchInputShape: [4, null, D] }),
          layers.timeDistributed({ layer: layers.dense({ units: 1, activation: 'sigmoid' }) }),
        ]),
      () => ({ x: hostTensor(randomValues(2, N * T * D), [N, T, D]), y: hostTensor(Array.from({ length: N * T }, (_, i) => i % 2), [N, T, 1]) }),
    ],
    [
      'embedding (maskZero) -> lstm -> dense',
      () =>
        sequential({ backend: createCpuBackend(), seed: 3 }, [
          layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [null] }),
          layers.lstm({ units: 3 }),
          layers.dense({ units: 1, activation: 'sigmoid' }),
        ]),
      () => ({ x: hostTensor(Array.from({ length: N * T }, (_, i) => (i * 5) % 7), [N, T]), y: hostTensor(Array.from({ length: N }, (_, i) => i % 2), [N, 1]) }),
    ],
  ];
}

describe('no leaked tensors or buffers', () => {
  for (const [name, make, data] of models())
    it(name, async () => {
      const m = make();
      m.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 0.01, clipNorm: 1 }), metrics: ['accuracy'] });
      const { x, y } = data();
      const counts: { tensors: number; buffers: number }[] = [];
      for (let round = 0; round < 4; round++) {
        await m.fit(x, y, { epochs: 3, batchSize: 4, validationSplit: 0.25, verbose: 0 });
        await m.predict(x, { batchSize: 4 });
        await m.evaluate(x, y, { batchSize: 4 });
        await m.trainOnBatch({ ...x, data: x.data.slice(0, x.data.length / 4), shape: [4, ...x.shape.slice(1)], mask: undefined }, { ...y, data: y.data.slice(0, y.data.length / 4), shape: [4, ...y.shape.slice(1)] });
        await m.save(io.memory());
        const mem = m.engine.memory();
        counts.push({ tensors: mem.tensors, buffers: mem.buffers });
      }
      expect(counts.slice(1)).toEqual([counts[0], counts[0], counts[0]]);
      m.dispose();
      expect(m.engine.memory()).toMatchObject({ tensors: 0, buffers: 0 });
    });

  it('after a diverged step and after a failing forward pass', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.lstm({ units: 2, inputShape: [null, 1] }), layers.dense({ units: 1 })]);
    m.compile({ loss: 'mse', optimizer: 'adam' });
    const x = hostTensor([1, 2, 3, 4], [2, 2, 1]);
    await m.fit(x, [[0], [1]], { verbose: 0 });
    const before = m.engine.memory();
    await expect(m.fit(x, [[0], [1e30]], { verbose: 0 })).rejects.toThrow(/diverged/);
    await expect(m.predict(x, { initialState: { lstm: [hostTensor([0, 0, 0, 0], [2, 2])] } })).rejects.toThrow(/initial state/);
    expect(m.engine.memory()).toEqual(before);
  });
});
