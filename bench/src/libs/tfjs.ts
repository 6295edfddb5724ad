/**
 * tfjs-layers 4.22 on tfjs-backend-cpu or tfjs-backend-wasm (SIMD; single-threaded in Node:
 * its thread detection returns false there). The model is the idiomatic one: a Sequential
 * of the recurrent layer (sigmoid recurrent activation, Keras 3's default) and a Dense head,
 * trained with trainOnBatch and Adam, with our initial weights copied in.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gruToKeras, makeBatch, makeWeights, type Workload } from '../workloads.js';
import { argmax, type Runner } from './runner.js';

export async function tfjsRunner(w: Workload, backend: 'cpu' | 'wasm'): Promise<Runner> {
  await tf.setBackend(backend);
  await tf.ready();
  const notes: string[] = [];
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    notes.push(`tfjs-backend-wasm: SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}`);
  }
  const { batch: B, steps: T, features: D, units: H, classes: K } = w;
  const every = w.head === 'every';
  const init = makeWeights(w);

  const recurrentLayer = (opts: { returnSequences: boolean; returnState?: boolean; batchInputShape?: number[] }) => {
    // Our weights replace the initial ones; a cheap initializer skips tfjs's orthogonal
    // initializer (a QR decomposition that takes minutes for [256, 1024] on tfjs-backend-cpu).
    const common = {
      units: H,
      recurrentInitializer: 'zeros' as const,
      ...opts,
      ...(opts.batchInputShape ? {} : { inputShape: [T, D] }),
    };
    if (w.cell === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' });
    if (w.cell === 'gru') return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
    return tf.layers.simpleRNN(common);
  };
  const recurrentWeights = (): tf.Tensor[] => {
    const G = init.Wx.length / (D * H);
    if (w.cell === 'gru') {
      // tfjs's GRU is reset-before only (one bias); our init biases are zeros, so only the columns move.
      notes.push('tfjs GRU is reset-before (Keras reset_after=False); ours runs reset-after (the Keras 3 / PyTorch default)');
      return [
        tf.tensor2d(gruToKeras(init.Wx, D, H), [D, G * H]),
        tf.tensor2d(gruToKeras(init.Wh, H, H), [H, G * H]),
        tf.tensor1d(gruToKeras(init.bx, 1, H)),
      ];
    }
    return [tf.tensor2d(init.Wx, [D, G * H]), tf.tensor2d(init.Wh, [H, G * H]), tf.tensor1d(init.bx)];
  };
  const denseWeights = () => [tf.tensor2d(init.Wd, [H, K]), tf.tensor1d(init.bd)];

  const model = tf.sequential();
  model.add(recurrentLayer({ returnSequences: every }));
  model.add(tf.layers.dense({ units: K, activation: K === 1 ? 'sigmoid' : 'softmax' }));
  model.setWeights([...recurrentWeights(), ...denseWeights()]);
  model.compile({
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7),
    loss: K === 1 ? 'binaryCrossentropy' : 'categoricalCrossentropy',
  });

  const data = makeBatch(w);
  const x = tf.tensor3d(data.x, [B, T, D]);
  const y =
    K === 1
      ? tf.tensor2d(data.labels, [B, 1])
      : tf.tidy(() => {
          const oh = tf.oneHot(tf.tensor1d(data.labels, 'int32'), K);
          return every ? oh.reshape([B, T, K]) : oh;
        });
  const one = makeBatch(w, 1, 2);
  const x1 = tf.tensor3d(one.x, [1, T, D]);

  const predict = (input: tf.Tensor) => {
    const out = model.predict(input) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };

  /** Batch-1 generation: a functional model with the state as inputs and outputs, weights from the trained model. */
  const generator = () => {
    const xIn = tf.input({ batchShape: [1, 1, D] });
    const hIn = tf.input({ batchShape: [1, H] });
    const cIn = tf.input({ batchShape: [1, H] });
    const layer = recurrentLayer({ returnSequences: false, returnState: true, batchInputShape: [1, 1, D] });
    const [yOut, hOut, cOut] = layer.apply(xIn, { initialState: [hIn, cIn] }) as tf.SymbolicTensor[];
    const probs = tf.layers.dense({ units: K, activation: 'softmax' }).apply(yOut) as tf.SymbolicTensor;
    const gen = tf.model({ inputs: [xIn, hIn, cIn], outputs: [probs, hOut, cOut] });
    gen.setWeights(model.getWeights());
    let h = tf.zeros([1, H]);
    let c = tf.zeros([1, H]);
    let prev = 0;
    return () => {
      const xt = tf.tidy(() => tf.oneHot(tf.tensor1d([prev], 'int32'), D).reshape([1, 1, D]));
      const [p, h2, c2] = gen.predict([xt, h, c]) as tf.Tensor[];
      prev = argmax(p.dataSync());
      tf.dispose([xt, p, h, c]);
      h = h2;
      c = c2;
    };
  };

  return {
    unit: 'batch',
    trainStep: async () => (await model.trainOnBatch(x, y)) as number,
    predictBatch: () => predict(x),
    predictOne: () => predict(x1),
    generator: w.id === 'W4' ? generator : undefined,
    notes,
  };
}
