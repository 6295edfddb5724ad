/**
 * The same models in tfjs-layers 4.22 on its own webgl backend (sigmoid recurrent activation,
 * the same initial weights, Adam, the same loss), trained with model.trainOnBatch.
 */
import * as tf from '@tensorflow/tfjs';
import { permuteGates, type HostModel, type Workload } from './workloads.js';
import type { Trainer } from './ours.js';

/** Counts the shader passes tfjs's webgl backend runs (wraps its runWebGLProgram). */
export function countTfjsPasses(): { read(): number } {
  const be = tf.backend() as unknown as { runWebGLProgram: (...a: unknown[]) => unknown; __counted?: { n: number } };
  if (!be.__counted) {
    const counter = { n: 0 };
    const orig = be.runWebGLProgram.bind(be);
    be.runWebGLProgram = (...a: unknown[]) => {
      counter.n++;
      return orig(...a);
    };
    be.__counted = counter;
  }
  const c = be.__counted;
  return { read: () => c.n };
}

export function tfjsTrainer(w: Workload, m: HostModel): Trainer & { model: tf.LayersModel } {
  const { batch: B, steps: T, inputSize: D, units: H, classes: K } = w;
  const common = { units: H, inputShape: [T, D], returnSequences: w.perStep, kernelInitializer: 'zeros' as const, recurrentInitializer: 'zeros' as const };
  const rnn =
    w.cell === 'lstm'
      ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
      : w.cell === 'gru'
        ? tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' })
        : tf.layers.simpleRNN({ ...common });
  const model = tf.sequential({ layers: [rnn, tf.layers.dense({ units: K, activation: K === 1 ? 'sigmoid' : 'softmax' })] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: K === 1 ? 'binaryCrossentropy' : 'categoricalCrossentropy' });
  // Our gate order is PyTorch's (GRU r, z, n); Keras / tfjs-layers' GRU is z, r, h.
  const order = w.cell === 'gru' ? [1, 0, 2] : w.cell === 'lstm' ? [0, 1, 2, 3] : [0];
  const G = order.length;
  model.setWeights([
    tf.tensor2d(permuteGates(m.Wx, D, H, order), [D, G * H]),
    tf.tensor2d(permuteGates(m.Wh, H, H, order), [H, G * H]),
    tf.tensor1d(permuteGates(m.b, 1, H, order)),
    tf.tensor2d(m.W, [H, K]),
    tf.tensor1d(m.bd),
  ]);
  const xs = tf.tensor3d(m.x, [B, T, D]);
  const ys = w.perStep ? tf.tensor3d(m.y, [B, T, K]) : tf.tensor2d(m.y, [B, K]);
  return {
    model,
    async step() {
      return (await model.trainOnBatch(xs, ys)) as number;
    },
    forwardOnly() {
      tf.tidy(() => {
        rnn.apply(xs);
      });
    },
    dispose() {
      xs.dispose();
      ys.dispose();
      model.dispose();
    },
  };
}
