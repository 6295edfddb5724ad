/** The model API: compile, fit (history, validation, shuffling, callbacks, progress), evaluate, predict, weights, summary, toBackend. */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError, ShapeError } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { type Callback, earlyStopping, layers, type Logs, optimizers, sequential, TrainingDivergedError } from '../src/index.js';
import { expectClose, hostTensor, randomValues } from './helpers.js';

/** A learnable task: is the sum of a sequence positive? */
function sumSign(n: number, T: number, seed: number) {
  const x = randomValues(seed, n * T);
  const y: number[] = [];
  for (let i = 0; i < n; i++) y.push(x.slice(i * T, (i + 1) * T).reduce((a, b) => a + b, 0) > 0 ? 1 : 0);
  return { x: hostTensor(x, [n, T, 1]), y: hostTensor(y, [n, 1]) };
}

const classifier = (seed: number, backend = createCpuBackend()) => {
  const m = sequential({ backend, seed }, [layers.simpleRNN({ units: 8, inputShape: [null, 1] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
  m.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 0.01 }), metrics: ['accuracy'] });
  return m;
};

describe('fit', () => {
  it('learns a sequence task; history has loss, metrics and val_* per epoch', async () => {
    const { x, y } = sumSign(320, 10, 1);
    const model = classifier(42);
    const h = await model.fit(x, y, { epochs: 8, batchSize: 32, validationSplit: 0.25, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.params).toEqual({ epochs: 8, steps: 8, samples: 240, batchSize: 32 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0] * 0.7);
    expect(h.history.val_accuracy[7]).toBeGreaterThan(0.8);
    // validationSplit holds out the last 25% (before shuffling): evaluate on them gives val_* of the last epoch.
    const held = await model.evaluate({ data: x.data.slice(240 * 10), shape: [80, 10, 1] }, { data: y.data.slice(240), shape: [80, 1] });
    expect(held.loss).toBeCloseTo(h.history.val_loss[7], 6);
    expect(held.accuracy).toBeCloseTo(h.history.val_accuracy[7], 10);
  });

  it('is deterministic for a seed (weights, shuffling) and differs for another seed', async () => {
    const { x, y } = sumSign(64, 6, 2);
    const run = async (seed: number) => (await classifier(seed).fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 })).history.loss;
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  it('validationData, callbacks (plain hooks) and stopTraining', async () => {
    const { x, y } = sumSign(50, 5, 3);
    const v = sumSign(20, 5, 4);
    const model = classifier(1);
    const seen: string[] = [];
    const hooks: Callback = {
      onTrainBegin: () => void seen.push('train'),
      onEpochBegin: (e) => void seen.push(`epoch ${e}`),
      onBatchEnd: (b, logs) => void seen.push(`batch ${b} ${logs.size}`),
      onEpochEnd: (e, logs) => {
        seen.push(`end ${e} ${Object.keys(logs).join(',')}`);
        if (e === 1) model.stopTraining = true;
      },
      onTrainEnd: () => void seen.push('done'),
    };
    const h = await model.fit(x, y, { epochs: 5, batchSize: 20, validationData: [v.x, v.y], callbacks: hooks, verbose: 0 });
    expect(h.epoch).toEqual([0, 1]);
    expect(seen).toEqual([
      'train',
      'epoch 0',
      'batch 0 20',
      'batch 1 20',
      'batch 2 10',
      'end 0 loss,accuracy,val_loss,val_accuracy',
      'epoch 1',
      'batch 0 20',
      'batch 1 20',
      'batch 2 10',
      'end 1 loss,accuracy,val_loss,val_accuracy',
      'done',
    ]);
  });

  it('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = sumSign(32, 4, 5);
    const model = classifier(3);
    const curve = [3, 2, 1, 1.5, 2.5, 3, 4, 5];
    const snapshots: Float32Array[][] = [];
    const inject: Callback = {
      onEpochEnd: async (e, logs: Logs) => {
        logs.score = curve[e];
        snapshots.push((await model.getWeights()).map((w) => Float32Array.from(w.data)));
      },
    };
    const es = earlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { epochs: 8, batchSize: 8, callbacks: [inject, es], verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    const now = await model.getWeights();
    now.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(snapshots[2][i])));
    await expect(classifier(1).fit(x, y, { epochs: 1, callbacks: earlyStopping(), verbose: 0 })).rejects.toThrow(/monitor 'val_loss' is not in the epoch logs/);
  });

  it('progress bar: on a terminal, a bar with loss, metrics and ETA; silent by default when not a terminal; verbose 2 prints epoch lines', async () => {
    const { x, y } = sumSign(40, 4, 6);
    const capture = (isTTY: boolean) => {
      const chunks: string[] = [];
      return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } };
    };
    const tty = capture(true);
    await classifier(1).fit(x, y, { epochs: 2, batchSize: 10, validationSplit: 0.25, progressStream: tty.stream });
    const text = tty.chunks.join('');
    expect(text).toMatch(/epoch 1\/2 \[[=> ]+\] \d\/3 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}ETA/);
    expect(text).toMatch(/epoch 2\/2 {2}3\/3 {2}\S+ {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_accuracy \d\.\d{4}\n/);
    const pipe = capture(false);
    await classifier(1).fit(x, y, { epochs: 1, batchSize: 10, progressStream: pipe.stream });
    expect(pipe.chunks).toEqual([]);
    const lines = capture(false);
    await classifier(1).fit(x, y, { epochs: 2, batchSize: 10, verbose: 2, progressStream: lines.stream });
    expect(lines.chunks.length).toBe(2);
    expect(lines.chunks.every((c) => c.startsWith('epoch ') && c.endsWith('\n'))).toBe(true);
  });

  it('trainOnBatch applies one update and returns the batch loss', async () => {
    const { x, y } = sumSign(16, 4, 7);
    const model = classifier(2);
    const before = await model.evaluate(x, y);
    const r = await model.trainOnBatch(x, y);
    expect(r.loss).toBeCloseTo(before.loss, 5);
    expect((await model.evaluate(x, y)).loss).not.toBe(before.loss);
  });
});

describe('non-finite training', () => {
  it('a non-finite loss stops with TrainingDivergedError naming epoch, batch and layer; weights are untouched', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.dense({ units: 1, inputShape: [1] }), layers.dense({ units: 1 })]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    model.setWeights([hostTensor([0.1], [1, 1]), hostTensor([0], [1]), hostTensor([0.5], [1, 1]), hostTensor([0], [1])]);
    const x = hostTensor([1, 1, 1, 1, 1e30, 1], [6, 1]);
    const y = hostTensor([0, 0, 0, 0, 0, 0], [6, 1]);
    const before = await model.getWeights();
    const err = await model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err.code).toBe('E_NON_FINITE');
    expect(err.epoch).toBe(0);
    expect(err.batch).toBe(2);
    expect(err.layer).toBe('dense_1');
    expect(err.message).toMatch(/epoch 1, batch 3: the loss is Infinity; the gradient of layer 'dense_1' went non-finite first/);
    // The first two batches trained; the failing one did not update anything.
    const after = await model.getWeights();
    expect(after.every((w) => Array.from(w.data).every(Number.isFinite))).toBe(true);
    expect(Array.from(after[0].data)).not.toEqual(Array.from(before[0].data));
  });

  it('a finite loss with a non-finite gradient names the layer whose gradient overflowed', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.dense({ units: 1, inputShape: [1] }), layers.dense({ units: 1 })]);
    model.compile({ loss: { name: 'binaryCrossentropy', fromLogits: true }, optimizer: 'sgd' });
    model.setWeights([hostTensor([0.01], [1, 1]), hostTensor([0], [1]), hostTensor([2], [1, 1]), hostTensor([0], [1])]);
    // Each sample's gradient fits in float32; their sum over the batch (4 x 1.5e38) does not.
    const err = await model.fit(hostTensor([3e38, 3e38, 3e38, 3e38], [4, 1]), hostTensor([0, 0, 0, 0], [4, 1]), { batchSize: 4, verbose: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(Number.isFinite(err.loss)).toBe(true);
    expect(err.layer).toBe('dense');
    expect(err.message).toMatch(/the loss is finite .* but the gradient of layer 'dense' has NaN or infinite values/);
  });
});

describe('evaluate, predict, weights, summary, backends', () => {
  // A dense model with known weights: outputs are known exactly, so metrics can be checked by hand.
  const known = (activation: 'sigmoid' | 'softmax' | 'linear', units: number, loss: string, metrics: string[]) => {
    const m = sequential({ backend: createReferenceBackend() }, [layers.dense({ units, activation, inputShape: [2] })]);
    m.compile({ loss, optimizer: 'sgd', metrics: metrics as never });
    return m;
  };

  it('metrics: binary accuracy, categorical accuracy, sparse accuracy, mae, mse match hand computation', async () => {
    const x = [
      [1, 0],
      [0, 1],
      [1, 1],
      [-1, 0],
    ];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const bin = known('sigmoid', 1, 'binaryCrossentropy', ['accuracy', 'mae', 'mse']);
    bin.setWeights([hostTensor([2, -1], [2, 1]), hostTensor([0], [1])]);
    const yb = [1, 1, 0, 0];
    const p = x.map((r) => sig(2 * r[0] - r[1]));
    const r = await bin.evaluate(x, yb.map((v) => [v]));
    const bce = -p.reduce((s, q, i) => s + (yb[i] ? Math.log(q) : Math.log(1 - q)), 0) / 4;
    expect(r.loss).toBeCloseTo(bce, 12);
    expect(r.accuracy).toBe(p.filter((q, i) => (q > 0.5 ? 1 : 0) === yb[i]).length / 4);
    expect(r.mae).toBeCloseTo(p.reduce((s, q, i) => s + Math.abs(q - yb[i]), 0) / 4, 12);
    expect(r.mse).toBeCloseTo(p.reduce((s, q, i) => s + (q - yb[i]) ** 2, 0) / 4, 12);
    const cat = known('softmax', 3, 'categoricalCrossentropy', ['accuracy', 'categoricalAccuracy']);
    cat.setWeights([hostTensor([1, 0, -1, 0, 1, 0], [2, 3]), hostTensor([0, 0, 0], [3])]);
    // argmax rows: [1,0]->0, [0,1]->1, [1,1]->0 (tie 1,1 -> first), [-1,0]->2
    const rc = await cat.evaluate(x, [
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(rc.accuracy).toBe(0.75);
    expect(rc.categoricalAccuracy).toBe(0.75);
    const sparse = known('softmax', 3, 'sparseCategoricalCrossentropy', ['accuracy']);
    sparse.setWeights([hostTensor([1, 0, -1, 0, 1, 0], [2, 3]), hostTensor([0, 0, 0], [3])]);
    expect((await sparse.evaluate(x, [0, 1, 1, 2])).accuracy).toBe(0.75);
  });

  it('predict works in batches for any number of samples and any sequence length', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 5 }, [layers.gru({ units: 4, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
    const x = hostTensor(randomValues(9, 37 * 6 * 2), [37, 6, 2]);
    const all = await model.predict(x, { batchSize: 37 });
    for (const batchSize of [1, 5, 32, 100]) expectClose((await model.predict(x, { batchSize })).data, all.data, 1e-6, 1e-6, `batchSize ${batchSize}`);
    expect((await model.predict(hostTensor([0.5, 0.5], [1, 1, 2]))).shape).toEqual([1, 1]);
    expect((await model.predict(hostTensor(randomValues(3, 2 * 300 * 2), [2, 300, 2]))).shape).toEqual([2, 1]);
  });

  it('getWeights / setWeights round trip; a wrong count or shape is a ShapeError naming the weight', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 5 }, [layers.lstm({ units: 3, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
    const w = await model.getWeights();
    expect(w.map((x) => `${x.name} ${x.shape.join('x')}`)).toEqual(['lstm/kernel 2x12', 'lstm/recurrent_kernel 3x12', 'lstm/bias 12', 'dense/kernel 3x1', 'dense/bias 1']);
    const other = sequential({ backend: createCpuBackend(), seed: 6 }, [layers.lstm({ units: 3, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
    other.setWeights(w);
    const x = hostTensor(randomValues(1, 4 * 3 * 2), [4, 3, 2]);
    expect(Array.from((await other.predict(x)).data)).toEqual(Array.from((await model.predict(x)).data));
    expect(() => other.setWeights(w.slice(1))).toThrow(/setWeights: got shape \[4\], wanted 5 weights/);
    expect(() => other.setWeights([w[1], ...w.slice(1)])).toThrow(/setWeights \(lstm\/kernel\): got shape \[3, 12\], wanted \[2, 12\]/);
  });

  it('summary lists layers, output shapes and parameter counts', () => {
    const model = sequential({ backend: createCpuBackend(), seed: 1 }, [
      layers.simpleRNN({ units: 50, inputShape: [null, 1] }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    const lines: string[] = [];
    const text = model.summary((l) => lines.push(l));
    expect(lines.join('\n')).toBe(text);
    expect(text).toMatch(/simple_rnn \(SimpleRNN\)\s+\[null, 50\]\s+2,600/);
    expect(text).toMatch(/dense \(Dense\)\s+\[null, 1\]\s+51/);
    expect(text).toMatch(/Total params: 2,651/);
  });

  it('toBackend(reference) gives the same predictions, and training continues there', async () => {
    const { x, y } = sumSign(32, 5, 8);
    const model = classifier(4);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const onCpu = await model.predict(x);
    const cpuEngine = model.engine;
    await model.toBackend(createReferenceBackend());
    expect(model.backend.name).toBe('reference');
    expect(cpuEngine.memory().tensors).toBe(0);
    expectClose((await model.predict(x)).data, onCpu.data, 1e-6, 1e-5);
    const h = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('compile rejects unknown losses, metrics and mismatched output sizes', async () => {
    const m = sequential({ backend: createCpuBackend() }, [layers.lstm({ units: 2, inputShape: [null, 1] }), layers.dense({ units: 1 })]);
    expect(() => m.compile({ loss: 'hinge', optimizer: 'adam' })).toThrow(/unknown loss "hinge"/);
    expect(() => m.compile({ loss: 'mse', optimizer: 'adam', metrics: ['f1' as never] })).toThrow(/unknown metric "f1"/);
    expect(() => m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' })).toThrow(/needs one output unit per class/);
    expect(() => m.compile({ loss: 'mse', optimizer: 'nadam' as never })).toThrow(ConfigError);
    // A failed compile leaves the model uncompiled but usable for inference.
    await expect(m.predict([[[1]]])).resolves.toMatchObject({ shape: [1, 1] });
    await expect(m.fit([[[1]]], [[1]])).rejects.toThrow(/compile the model first/);
  });

  it('a model without inputShape is built from the first data', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 2 }, [layers.lstm({ units: 2 }), layers.dense({ units: 1 })]);
    expect(m.built).toBe(false);
    const p = await m.predict(hostTensor(randomValues(1, 3 * 4 * 5), [3, 4, 5]));
    expect(p.shape).toEqual([3, 1]);
    expect(m.inputShape).toEqual([null, 5]);
    await expect(m.predict(hostTensor(randomValues(1, 3 * 4 * 2), [3, 4, 2]))).rejects.toThrow(ShapeError);
  });
});
