/**
 * Calls on one model at once (Promise.all): a second training call is a ModelBusyError naming
 * the running one, nothing changed; predict / evaluate / save during fit wait for the current
 * step and see the weights (and optimizer state) of one step, never a mix.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { StateError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { earlyStopping, io, layers, loadModel, ModelBusyError, type ModelArtifacts, optimizers, sequential } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

const N = 24;
const x = hostTensor(randomValues(3, N * 4 * 2), [N, 4, 2]);
const y = hostTensor(
  Array.from({ length: N }, (_, i) => i % 2),
  [N, 1],
);
const model = () => {
  const m = sequential({ backend: createCpuBackend(), seed: 7 }, [layers.gru({ units: 5, inputShape: [null, 2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
  m.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 0.05 }), metrics: ['accuracy'] });
  return m;
};
const flat = async (m: ReturnType<typeof model>) => (await m.getWeights()).flatMap((w) => Array.from(w.data));

describe('concurrent calls on one model', () => {
  it('two trainOnBatch at once: the second is a ModelBusyError naming trainOnBatch; the weights are one step', async () => {
    const serial = model();
    await serial.trainOnBatch(x, y);
    const m = model();
    const [a, b] = await Promise.allSettled([m.trainOnBatch(x, y), m.trainOnBatch(x, y)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(ModelBusyError);
    expect(err).toBeInstanceOf(StateError);
    expect(err.code).toBe('E_STATE');
    expect(err.running).toBe('trainOnBatch');
    expect(err.message).toMatch(/^trainOnBatch: the model is busy: trainOnBatch is running on it\./);
    expect(await flat(m)).toEqual(await flat(serial));
    expect(m.optimizer!.iterations).toBe(1);
  });

  it('fit and fit, fit and trainOnBatch: the second is refused; the first trains as if alone', async () => {
    const alone = model();
    const h0 = await alone.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0 });
    const m = model();
    const [h, second, third] = await Promise.allSettled([
      m.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0 }),
      m.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0 }),
      m.trainOnBatch(x, y),
    ]);
    expect((second as PromiseRejectedResult).reason).toMatchObject({ call: 'fit', running: 'fit' });
    expect((third as PromiseRejectedResult).reason).toMatchObject({ call: 'trainOnBatch', running: 'fit' });
    expect((h as PromiseFulfilledResult<{ history: object }>).value.history).toEqual(h0.history);
    expect(await flat(m)).toEqual(await flat(alone));
    // Once fit has finished, training again is fine.
    await m.trainOnBatch(x, y);
  });

  it('predict, evaluate and save during fit each see the weights of one step (and the matching optimizer state)', async () => {
    // The weights after every step of the same run, recorded serially.
    const ref = model();
    const snapshots: number[][] = [await flat(ref)];
    await ref.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      callbacks: { onBatchEnd: async () => void snapshots.push(await flat(ref)) },
    });
    const predictions: number[][] = [];
    for (const w of snapshots) {
      ref.setWeights(
        (await ref.getWeights()).map((t, i, all) => {
          const off = all.slice(0, i).reduce((n, u) => n + u.data.length, 0);
          return { data: Float32Array.from(w.slice(off, off + t.data.length)), shape: t.shape };
        }),
      );
      predictions.push(Array.from((await ref.predict(x, { batchSize: 3 })).data));
    }
    const m = model();
    const saved: ModelArtifacts[] = [];
    const recorder = { description: 'recorder', save: async (a: ModelArtifacts) => void saved.push(a) };
    // Reads started from inside fit without awaiting them (as a UI would), so they run alongside the next steps.
    const pending: Promise<number[]>[] = [];
    const others: Promise<unknown>[] = [];
    const read = async () => Array.from((await m.predict(x, { batchSize: 3 })).data);
    const running = m.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchBegin: (b) => {
          if (b % 3 === 0) pending.push(read());
          else others.push(b % 3 === 1 ? m.evaluate(x, y, { batchSize: 5 }) : m.save(recorder));
        },
      },
    });
    // And some started in the same tick as fit.
    pending.push(read(), read());
    await running;
    const reads = await Promise.all(pending);
    await Promise.all(others);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    await running;
    for (const p of reads) expect(predictions.some((q) => q.every((v, i) => v === p[i])), 'a prediction from one step').toBe(true);
    // Each saved snapshot: the weights of step k together with the optimizer at step k.
    expect(saved.length).toBeGreaterThanOrEqual(3);
    for (const a of saved) {
      const back = await loadModel(io.memory(a), { backend: createCpuBackend() });
      const w = await flat(back);
      const k = snapshots.findIndex((s) => s.every((v, i) => Math.fround(v) === w[i]));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(back.optimizer?.iterations ?? 0).toBe(k);
    }
    expect(await flat(m)).toEqual(snapshots[snapshots.length - 1]);
  });

  it('setWeights, compile and toBackend while a step or a read is in flight are refused', async () => {
    const m = model();
    const w = await m.getWeights();
    const running = m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(() => m.compile({ loss: 'mse', optimizer: 'sgd' })).toThrow(ModelBusyError);
    await expect(m.toBackend(createCpuBackend())).rejects.toThrow(/toBackend: the model is busy: fit is running/);
    const p = m.predict(x);
    await Promise.resolve();
    expect(() => m.setWeights(w)).toThrow(/setWeights: the model is busy/);
    await Promise.all([running, p]);
    m.setWeights(w);
  });

  it('earlyStopping restores the best weights even while a predict started from a callback is running', async () => {
    const m = model();
    const pending: Promise<unknown>[] = [];
    const stop = earlyStopping({ monitor: 'loss', patience: 100, restoreBestWeights: true });
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [{ onEpochEnd: () => void pending.push(m.predict(x, { batchSize: 2 })) }, stop] });
    await Promise.all(pending);
    expect(stop.bestEpoch).toBeGreaterThanOrEqual(0);
  });
});
