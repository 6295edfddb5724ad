/**
 * Our side through the path users call: `@recurrent/models` (sequential + compile +
 * trainOnBatch) on the CPU backend with `threads` threads, the workload's model and batch.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { layers, optimizers, sequential } from '@recurrent/models';
import { makeBatch, type Workload } from '../workloads.js';

export function modelsRunner(w: Workload, threads: number) {
  const backend = createCpuBackend({ threads });
  const rnn = { units: w.units, inputShape: [w.steps, w.features], returnSequences: w.head === 'every' };
  const cell = w.cell === 'lstm' ? layers.lstm(rnn) : w.cell === 'gru' ? layers.gru(rnn) : layers.simpleRNN(rnn);
  const dense = layers.dense({ units: w.classes, activation: w.classes === 1 ? 'sigmoid' : 'softmax' });
  const model = sequential({ backend, seed: 1 }, [cell, w.head === 'every' ? layers.timeDistributed({ layer: dense }) : dense]);
  model.compile({ loss: w.classes === 1 ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: 1e-3 }) });
  const data = makeBatch(w);
  const x = { data: data.x, shape: [w.batch, w.steps, w.features] };
  const y = { data: data.labels, shape: w.head === 'every' ? [w.batch, w.steps] : w.classes === 1 ? [w.batch, 1] : [w.batch] };
  const one = makeBatch(w, 1, 2);
  const x1 = { data: one.x, shape: [1, w.steps, w.features] };
  return {
    backend,
    step: () => model.trainOnBatch(x, y),
    /** Forward over the batch / over one sequence, outputs on the host. */
    predictBatch: () => model.predict(x),
    predictOne: () => model.predict(x1),
    destroy: () => backend.destroy?.(),
  };
}
