/**
 * Saving and loading: round trips for every layer type (Node directory, .json file path,
 * in-memory and http handlers), exact resumption of training, validation of damaged files,
 * and atomic saves (an interrupted save leaves the old or the new model, never a mix).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine, StateError } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbacks, io, layers, loadModel, ModelFormatError, optimizers, sequential } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recurrent-models-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const x = hostTensor(randomValues(1, 12 * 5 * 3), [12, 5, 3]);
const y = hostTensor(
  Array.from({ length: 12 }, (_, i) => i % 2),
  [12, 1],
);

function richModel(seed = 1) {
  const m = sequential({ backend: createCpuBackend(), seed }, [
    layers.masking({ inputShape: [null, 3] }),
    layers.bidirectional({ layer: layers.lstm({ units: 4, returnSequences: true, dropout: 0.2, recurrentActivation: 'hardSigmoidKeras2' }), mergeMode: 'sum' }),
    layers.gru({ units: 3, resetAfter: false, returnSequences: true, recurrentDropout: 0.1, recurrentActivation: 'hardSigmoidKeras3' }),
    layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'tanh' }) }),
    layers.simpleRNN({ units: 3, goBackwards: true, activation: 'relu' }),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ]);
  m.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 0.01 }), metrics: ['accuracy', 'mae'] });
  return m;
}

describe('save and load', () => {
  it('round trip through a directory: same layers, weights, predictions, compile settings', async () => {
    const m = richModel();
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const path = join(dir, 'rich');
    await m.save(path);
    const files = readdir(path);
    expect((await files).sort()).toEqual(['model.json', 'optimizer.1.bin', 'weights.1.bin']);
    const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(json.format).toBe('recurrent-model/1');
    expect(json.model.layers.map((l: { className: string }) => l.className)).toEqual(['Masking', 'Bidirectional', 'GRU', 'TimeDistributed', 'SimpleRNN', 'Dropout', 'Dense']);
    expect(json.model.layers[1].config.layer.config.recurrentActivation).toBe('hardSigmoidKeras2');
    expect(json.model.layers[2].config.recurrentActivation).toBe('hardSigmoidKeras3');
    const bytes = await readFile(join(path, 'weights.1.bin'));
    expect(bytes.byteLength).toBe(4 * m.countParams());
    // Little-endian float32, in manifest order: the first value is the first weight's first element.
    expect(bytes.readFloatLE(0)).toBe((await m.getWeights())[0].data[0]);
    const back = await loadModel(path, { backend: createCpuBackend() });
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(back.summary(null)).toBe(m.summary(null));
    expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
    expect(await back.evaluate(x, y)).toEqual(await m.evaluate(x, y));
    expect(back.epochsTrained).toBe(1);
  });

  it('a .json file path, an embedding model, and the in-memory handler', async () => {
    const m = sequential({ backend: createCpuBackend(), seed: 3 }, [
      layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [null] }),
      layers.lstm({ units: 2 }),
      layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    const ids = [
      [0, 1, 2, 5],
      [3, 3, 0, 0],
    ];
    const file = join(dir, 'emb', 'names.json');
    await m.save(file, { includeOptimizer: false });
    expect((await readdir(join(dir, 'emb'))).sort()).toEqual(['names.json', 'names.weights.1.bin']);
    const a = await loadModel(file, { backend: createCpuBackend() });
    expect(Array.from((await a.predict(ids)).data)).toEqual(Array.from((await m.predict(ids)).data));
    expect(a.optimizer).toBeUndefined();
    const mem = io.memory();
    await m.save(mem);
    const b = await loadModel(mem, { backend: createEngine(createCpuBackend()) });
    expect(Array.from((await b.predict(ids)).data)).toEqual(Array.from((await m.predict(ids)).data));
  });

  it('loads over http(s) from a model.json URL', async () => {
    const path = join(dir, 'served');
    const m = richModel(4);
    await m.save(path);
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(path, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/models\//, '')))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/model.json`;
      const back = await loadModel(url, { backend: createCpuBackend() });
      expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
      await expect(loadModel(url.replace('model.json', 'missing.json'), { backend: createCpuBackend() })).rejects.toThrow(/HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('resumes exactly: fit 2 epochs, save, load, fit 2 more equals fit 4 epochs straight (shuffling, dropout, Adam state)', async () => {
    const straight = richModel(11);
    const h4 = await straight.fit(x, y, { epochs: 4, batchSize: 4, verbose: 0 });
    const first = richModel(11);
    const h2 = await first.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const path = join(dir, 'resume');
    await first.save(path);
    first.dispose();
    const resumed = await loadModel(path, { backend: createCpuBackend() });
    expect(resumed.optimizer?.iterations).toBe(6);
    const h2b = await resumed.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect([...h2.history.loss, ...h2b.history.loss]).toEqual(h4.history.loss);
    const a = await resumed.getWeights();
    const b = await straight.getWeights();
    a.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b[i].data)));
  });
});

describe('modelCheckpoint', () => {
  it('saves every epoch to a {epoch} path, or only improving epochs with saveBestOnly; checkpoints load', async () => {
    const m = richModel(5);
    const every = join(dir, 'ckpt', 'epoch-{epoch}');
    const curve = [3, 1, 2];
    const inject = { onEpochEnd: (e: number, logs: Record<string, number>) => void (logs.score = curve[e]) };
    const best = callbacks.modelCheckpoint({ path: join(dir, 'ckpt', 'best'), monitor: 'score', saveBestOnly: true });
    const weightsAt: number[][] = [];
    const snap = { onEpochEnd: async () => void weightsAt.push(Array.from((await m.getWeights())[0].data)) };
    await m.fit(x, y, { epochs: 3, batchSize: 6, verbose: 0, callbacks: [inject, snap, callbacks.modelCheckpoint({ path: every }), best] });
    expect((await readdir(join(dir, 'ckpt'))).sort()).toEqual(['best', 'epoch-1', 'epoch-2', 'epoch-3']);
    expect(best.saved).toEqual([0, 1]);
    for (const [name, epoch] of [['epoch-2', 1], ['best', 1]] as const) {
      const back = await loadModel(join(dir, 'ckpt', name), { backend: createCpuBackend() });
      expect(Array.from((await back.getWeights())[0].data)).toEqual(weightsAt[epoch]);
    }
  });
});

describe('damaged and mismatched files are typed errors', () => {
  let good: string;
  beforeAll(async () => {
    good = join(dir, 'good');
    const m = richModel(2);
    await m.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
    await m.save(good);
  });
  const copy = async (name: string) => {
    const p = join(dir, name);
    await cp(good, p, { recursive: true });
    return p;
  };
  const load = (p: string) => loadModel(p, { backend: createCpuBackend() });

  it('a truncated weights file', async () => {
    const p = await copy('truncated');
    const w = await readFile(join(p, 'weights.1.bin'));
    await writeFile(join(p, 'weights.1.bin'), w.subarray(0, w.byteLength - 10));
    const err = await load(p).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err).toBeInstanceOf(StateError);
    expect(err.message).toMatch(/weights file 'weights.1.bin' is truncated: \d+ bytes, model.json lists \d+/);
  });

  it('a corrupted weights or optimizer file (one flipped byte)', async () => {
    for (const file of ['weights.1.bin', 'optimizer.1.bin']) {
      const p = await copy(`corrupt-${file}`);
      const w = await readFile(join(p, file));
      w[17] ^= 0x40;
      await writeFile(join(p, file), w);
      await expect(load(p)).rejects.toThrow(new RegExp(`'${file.replaceAll('.', '\\.')}' is corrupted: its CRC-32 is [0-9a-f]{8}, model.json lists`));
    }
  });

  it('missing model, invalid JSON, unknown layer type, wrong weight shape, non-finite weight', async () => {
    await expect(load(join(dir, 'nothing-here'))).rejects.toThrow(/no model.json in .*nothing-here/);
    const bad = await copy('badjson');
    await writeFile(join(bad, 'model.json'), '{"format": "recurrent-model/1", ');
    await expect(load(bad)).rejects.toThrow(/model.json is not valid JSON/);
    type Json = { format?: string; modelTopology?: object; model: { layers: { className: string; config: Record<string, unknown> }[] } };
    const edit = async (name: string, f: (j: Json) => void) => {
      const p = await copy(name);
      const j = JSON.parse(await readFile(join(p, 'model.json'), 'utf8'));
      f(j);
      await writeFile(join(p, 'model.json'), JSON.stringify(j));
      return load(p).catch((e) => e);
    };
    const unknown = await edit('unknown', (j) => {
      j.model.layers[2].className = 'ConvLSTM2D';
    });
    expect(unknown).toBeInstanceOf(ModelFormatError);
    expect(unknown.message).toMatch(/model.layers\[2\]: unknown layer type "ConvLSTM2D"; known types: SimpleRNN, LSTM, GRU/);
    const shape = await edit('shape', (j) => {
      j.model.layers[2].config.units = 5;
    });
    expect(shape.message).toMatch(/weight 'gru\/kernel' is \[4, 9\] in the file, but the layer needs \[4, 15\]/);
    const ambiguous = await edit('hardsig', (j) => {
      j.model.layers[2].config.recurrentActivation = 'hardSigmoid';
    });
    expect(ambiguous.message).toMatch(/recurrentActivation "hardSigmoid" names two different functions; say which: 'hardSigmoidKeras2'/);
    const unknownAct = await edit('softsig', (j) => {
      j.model.layers[2].config.recurrentActivation = 'softsign';
    });
    expect(unknownAct.message).toMatch(/recurrentActivation must be one of 'sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3', got "softsign"/);
    const tf = await edit('tfjs', (j) => {
      j.format = undefined;
      j.modelTopology = {};
    });
    expect(tf.message).toMatch(/format is undefined, wanted 'recurrent-model\/1'. This looks like a tfjs model/);
    const nan = await copy('nan');
    const w = await readFile(join(nan, 'weights.1.bin'));
    w.writeFloatLE(Number.NaN, 0);
    await writeFile(join(nan, 'weights.1.bin'), w);
    const j = JSON.parse(await readFile(join(nan, 'model.json'), 'utf8'));
    j.weights.crc32 = (await import('../src/io/crc32.js')).crc32(new Uint8Array(w));
    await writeFile(join(nan, 'model.json'), JSON.stringify(j));
    await expect(load(nan)).rejects.toThrow(/weight 'bidirectional\/forward_lstm\/kernel' holds NaN at index 0/);
  });

  it('a failed load leaves no tensors behind', async () => {
    const engine = createEngine(createCpuBackend());
    const p = await copy('leak');
    const w = await readFile(join(p, 'optimizer.1.bin'));
    await writeFile(join(p, 'optimizer.1.bin'), w.subarray(0, 8));
    await expect(loadModel(p, { backend: engine })).rejects.toThrow(ModelFormatError);
    expect(engine.memory().tensors).toBe(0);
  });
});

describe('atomic saves', () => {
  const x1 = hostTensor(randomValues(5, 2 * 3 * 3), [2, 3, 3]);
  const model = (seed: number) => {
    const m = sequential({ backend: createCpuBackend(), seed }, [layers.lstm({ units: 3, inputShape: [null, 3] }), layers.dense({ units: 1 })]);
    m.compile({ loss: 'mse', optimizer: 'adam' });
    return m;
  };
  const predict = async (p: string) => Array.from((await (await loadModel(p, { backend: createCpuBackend() })).predict(x1)).data);

  it('each save is a new generation; the files of the previous one are removed after the commit', async () => {
    const p = join(dir, 'atomic-generations');
    await model(1).save(p);
    await model(2).save(p, { includeOptimizer: false });
    expect((await readdir(p)).sort()).toEqual(['model.json', 'weights.2.bin']);
    const c = model(3);
    await c.save(p);
    expect((await readdir(p)).sort()).toEqual(['model.json', 'optimizer.3.bin', 'weights.3.bin']);
    expect(await predict(p)).toEqual(Array.from((await c.predict(x1)).data));
  });
});
