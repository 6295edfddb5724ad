/**
 * Divergence: the error names a layer in every case, gradient norms are computed without
 * overflow, and a loss that grows by orders of magnitude while staying finite is reported.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { describe, expect, it } from 'vitest';
import { layers, optimizers, sequential, TrainingDivergedError } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

describe('divergence', () => {
  it('a loss that overflowed on finite outputs and gradients names the last layer and gives finite norms', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ learningRate: 1e6 }) });
    m.setWeights([hostTensor([1e20], [1, 1]), hostTensor([0], [1])]);
    // Output 1e20 (finite); its square 1e40 overflows float32; the gradient 2e20 is finite,
    // but its squared norm (8e40) is not: the norm must come out as sqrt(2) * 2e20.
    const err = await m.fit(hostTensor([1], [1, 1]), hostTensor([0], [1, 1]), { verbose: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err.layer).toBe('dense');
    expect(err.message).toMatch(/the loss is Infinity: it overflowed on the \(finite\) output of the last layer 'dense'/);
    const norm = Number(/Per-layer gradient norms: dense (\S+)\./.exec(err.message)?.[1]);
    expect(Math.abs(norm - Math.SQRT2 * Math.fround(2e20)) / norm).toBeLessThan(1e-6);
  });

  it('SGD at a learning rate of 1e6 on a recurrent model: the error names a layer', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 3 }, [layers.lstm({ units: 4, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ learningRate: 1e6 }) });
    const x = hostTensor(randomValues(2, 8 * 3 * 2), [8, 3, 2]);
    const y = hostTensor(randomValues(4, 8, 10), [8, 1]);
    const err = await m.fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(['lstm', 'dense']).toContain(err.layer);
    expect(err.message).not.toMatch(/ Infinity[,.]/);
  });

  it('Adam at a learning rate of 1e6: the loss grows by orders of magnitude; fit warns (history, callback, progress)', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 5 }, [layers.dense({ units: 1, inputShape: [3] })]);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 1e6 }) });
    const x = hostTensor(randomValues(6, 16 * 3), [16, 3]);
    const y = hostTensor(randomValues(7, 16), [16, 1]);
    const seen: string[] = [];
    let printed = '';
    const h = await m.fit(x, y, {
      epochs: 3,
      batchSize: 4,
      verbose: 2,
      progressStream: { write: (t: string) => (printed += t) },
      callbacks: { onWarning: (msg) => void seen.push(msg) },
    });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(h.history.loss[2]).toBeGreaterThan(1e6);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/^the loss grew from \S+ to \S+ \(\S+ times\) by epoch 1, batch \d+: training is diverging/);
    expect(seen).toEqual(h.warnings);
    expect(printed).toContain(`warning: ${h.warnings[0]}\n`);
  });

  it('a normal run does not warn', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 5 }, [layers.dense({ units: 1, inputShape: [3] })]);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 1e-2 }) });
    const h = await m.fit(hostTensor(randomValues(6, 16 * 3), [16, 3]), hostTensor(randomValues(7, 16), [16, 1]), { epochs: 5, batchSize: 4, verbose: 0 });
    expect(h.warnings).toEqual([]);
  });
});
