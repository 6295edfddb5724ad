/**
 * The rest of the Keras mapping: returnState, our two-bias layers written as Keras's one bias,
 * our reset-after GRU (which tfjs-layers cannot load), activations we cannot run, unsupported
 * layers and structures, every source kind (directory, model.json path, file:// URL, http URL,
 * artifacts), and a tfjs-trained model that keeps training with our fit.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError, createEngine } from '@recurrent/core';
import { layers, optimizers, sequential } from '@recurrent/models';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, saveTfjsModel, type TfjsProblem, TfjsFormatError, UnsupportedLayerError } from '../src/index.js';
import { paddedInput, randomInput, randomizeTfjs } from './tfjs-cases.js';
import { expectClose, expectInformative, loadTfjsDir, saveTfjsDir, tempDir, tf, tfjsArtifactsOf, tfjsPredict, tfReady } from './tfjs-node.js';

const backend = createCpuBackend();
const T = 5;
const D = 3;

beforeAll(async () => {
  await tfReady();
});

/** Saves a tfjs model to a fresh directory and returns the directory. */
async function tfjsDir(m: tf.LayersModel): Promise<string> {
  const dir = tempDir('tfjs-map');
  await saveTfjsDir(m, dir, 1);
  return dir;
}

describe('returnState', () => {
  it('a functional tfjs model returning [output, h, c] loads as an LSTM with returnState: prediction and states match', async () => {
    const input = tf.input({ shape: [T, D] });
    const outs = tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnState: true, returnSequences: true }).apply(input) as tf.SymbolicTensor[];
    const m = randomizeTfjs(tf, tf.model({ inputs: input, outputs: outs }), 7);
    const x = randomInput(8, [2, T, D]);
    const [y, h, c] = tfjsPredict(m, x);
    const model = await loadTfjsModel(await tfjsDir(m), { backend });
    const p = await model.predict(x);
    expectClose(p.data, y.data, 'output');
    expect(p.states!.length).toBe(2);
    expectClose(p.states![0].data, h.data, 'h');
    expectClose(p.states![1].data, c.data, 'c');
    model.dispose();
  });
});

describe('returnState, ours to tfjs-layers', () => {
  it.each([
    ['LSTM', () => layers.lstm({ units: 3, returnState: true, returnSequences: true })],
    ['Bidirectional GRU (reset-before)', () => layers.bidirectional({ layer: layers.gru({ units: 3, resetAfter: false, returnState: true }) })],
  ])('%s: written as a functional chain with outputs [output, ...states]; tfjs-layers predicts the same output and states', async (_n, make) => {
    const model = sequential({ backend, seed: 6 }, [layers.dense({ units: 4, inputShape: [T, D] }), make()]);
    const r = randomInput(51, [model.countParams()], 0.5).data;
    let at = 0;
    model.setWeights((await model.getWeights()).map((w) => ({ ...w, data: r.slice(at, (at += w.data.length)) })));
    const a = await saveTfjsModel(model);
    expect(a.modelTopology.class_name).toBe('Model');
    const back = await tf.loadLayersModel(tf.io.fromMemory(a as never));
    const x = randomInput(52, [2, T, D]);
    const [y, ...states] = tfjsPredict(back, x);
    const p = await model.predict(x);
    expectClose(p.data, y.data, 'output');
    expect(p.states!.length).toBe(states.length);
    p.states!.forEach((s, i) => expectClose(s.data, states[i].data, `state ${i}`));
    const again = await loadTfjsModel(a, { backend });
    expect(Array.from((await again.predict(x)).states![0].data)).toEqual(Array.from(p.states![0].data));
    model.dispose();
    again.dispose();
  });
});

describe('masked steps of a sequence output (the documented difference)', () => {
  it('unmasked steps agree with tfjs-layers; at masked steps we output 0 where Keras repeats the previous output', async () => {
    const m = randomizeTfjs(tf, tf.sequential({ layers: [tf.layers.masking({ inputShape: [5, 4] }), tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true })] }), 41);
    const x = paddedInput(42); // [3, 5, 4]: sample 0 steps 3-4, sample 1 step 0, sample 2 step 2 are padding
    const want = tfjsPredict(m, x)[0].data;
    const model = await loadTfjsModel(await tfjsArtifactsOf(m), { backend });
    const got = (await model.predict(x)).data;
    model.dispose();
    const masked = new Set(['0,3', '0,4', '1,0', '2,2']);
    for (let b = 0; b < 3; b++)
      for (let t = 0; t < 5; t++) {
        const at = (b * 5 + t) * 3;
        const g = Array.from(got.slice(at, at + 3));
        const w = Array.from(want.slice(at, at + 3));
        if (!masked.has(`${b},${t}`)) expectClose(g, w, `sample ${b} step ${t}`);
        else {
          expect(g.every((v) => v === 0), `sample ${b} step ${t}: ${g}`).toBe(true);
          if (t > 0) expectClose(w, Array.from(want.slice(at - 3, at)), `Keras repeats the output before sample ${b} step ${t}`);
        }
      }
  });
});

describe('our layers written in Keras layout', () => {
  const cases = [
    ['LSTM with recurrentBias (two biases summed into one)', () => layers.lstm({ units: 4, recurrentBias: true, inputShape: [T, D] })],
    ['SimpleRNN with recurrentBias', () => layers.simpleRNN({ units: 4, recurrentBias: true, inputShape: [T, D] })],
    ['GRU resetAfter false with recurrentBias', () => layers.gru({ units: 4, resetAfter: false, recurrentBias: true, returnSequences: true, inputShape: [T, D] })],
  ] as const;
  for (const [name, make] of cases)
    it(`${name}: tf.loadLayersModel predicts the same`, async () => {
      const model = sequential({ backend, seed: 3 }, [make(), layers.dense({ units: 2 })]);
      const r = randomInput(9, [model.countParams()], 0.5).data;
      let at = 0;
      model.setWeights((await model.getWeights()).map((w) => ({ ...w, data: r.slice(at, (at += w.data.length)) })));
      const dir = tempDir('ours');
      await saveTfjsModel(model, dir);
      const back = await loadTfjsDir(dir);
      const x = randomInput(10, [3, T, D]);
      const want = tfjsPredict(back, x)[0];
      expectInformative(want.data, name);
      expectClose((await model.predict(x)).data, want.data, name);
      model.dispose();
    });

  it("our default GRU (resetAfter true) is written as Keras's reset_after GRU: bias [2, 3H]; loadTfjsModel reads it back exactly, tfjs-layers 4.22 refuses it", async () => {
    const model = sequential({ backend, seed: 4 }, [layers.gru({ units: 3, inputShape: [T, D] })]);
    const r = randomInput(11, [model.countParams()], 0.5).data;
    let at = 0;
    model.setWeights((await model.getWeights()).map((w) => ({ ...w, data: r.slice(at, (at += w.data.length)) })));
    const dir = tempDir('gru-ra');
    const a = await saveTfjsModel(model, dir);
    expect(a.weightSpecs.find((w) => w.name.endsWith('/bias'))!.shape).toEqual([2, 9]);
    const again = await loadTfjsModel(dir, { backend });
    const x = randomInput(12, [2, T, D]);
    expect(Array.from((await again.predict(x)).data)).toEqual(Array.from((await model.predict(x)).data));
    await expect(loadTfjsDir(dir)).rejects.toThrow();
    model.dispose();
    again.dispose();
  });
});

describe('what we cannot run is a ConfigError naming the layer and the value', () => {
  it.each([
    ['LSTM activation relu', () => tf.layers.lstm({ units: 2, activation: 'relu', recurrentActivation: 'sigmoid', inputShape: [T, D], name: 'my_lstm' }), 'my_lstm', 'relu'],
    ['GRU activation softsign', () => tf.layers.gru({ units: 2, activation: 'softsign', recurrentActivation: 'sigmoid', inputShape: [T, D], name: 'g1' }), 'g1', 'softsign'],
    ['SimpleRNN activation linear', () => tf.layers.simpleRNN({ units: 2, activation: 'linear', inputShape: [T, D], name: 's1' }), 's1', 'linear'],
    ['SimpleRNN activation elu', () => tf.layers.simpleRNN({ units: 2, activation: 'elu', inputShape: [T, D], name: 's2' }), 's2', 'elu'],
    ['Dense activation selu', () => tf.layers.dense({ units: 2, activation: 'selu', inputShape: [D], name: 'd1' }), 'd1', 'selu'],
  ])('%s', async (_n, make, layerName, value) => {
    const m = tf.sequential({ layers: [make() as tf.layers.Layer] });
    const err = await loadTfjsModel(await tfjsDir(m), { backend }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`'${layerName}'`);
    expect(err.message).toMatch(new RegExp(`["']${value}["']`));
  });

});

describe("which hard sigmoid 'hard_sigmoid' means comes from the file", () => {
  it.each([
    ['tfjs-layers 4.22.0', 'hardSigmoidKeras2'],
    ['2.15.0', 'hardSigmoidKeras2'],
    ['3.6.0', 'hardSigmoidKeras3'],
  ])('keras_version %s -> %s', async (version, want) => {
    const m = tf.sequential({ layers: [tf.layers.gru({ units: 2, inputShape: [T, D] })] });
    const a = await tfjsArtifactsOf(m);
    const model = await loadTfjsModel({ ...a, modelTopology: { ...(a.modelTopology as object), keras_version: version } }, { backend });
    expect((model.layers[0] as unknown as { recurrentActivation: string }).recurrentActivation).toBe(want);
    model.dispose();
  });

  it("our 'hardSigmoidKeras3' cannot be written for tfjs-layers (its hard_sigmoid is Keras 2's): a ConfigError", async () => {
    const model = sequential({ backend, seed: 1 }, [layers.lstm({ units: 2, recurrentActivation: 'hardSigmoidKeras3', inputShape: [T, D] })]);
    await expect(saveTfjsModel(model)).rejects.toThrow(/hardSigmoidKeras3.*Keras 2/);
    model.dispose();
  });
});

describe('unsupported layers and structures: UnsupportedLayerError naming the class and what to do', () => {
  const expectUnsupported = async (source: unknown, className: string) => {
    const err = await loadTfjsModel(source as never, { backend }).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedLayerError);
    expect(err.className).toBe(className);
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toMatch(/rebuild|Replace|Remove|flatten/);
  };

  it('Conv1D', async () => {
    const m = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [T, D] }), tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid' })] });
    await expectUnsupported(await tfjsDir(m), 'Conv1D');
  });

  it('a Lambda and a custom layer (their code is not in the file)', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [D] })] });
    for (const className of ['Lambda', 'MyCustomLayer']) {
      const a = await tfjsArtifactsOf(m);
      const topo = JSON.parse(JSON.stringify(a.modelTopology));
      topo.config.layers.push({ class_name: className, config: { name: 'x', function: 'lambda x: x' } });
      await expectUnsupported({ ...a, modelTopology: topo }, className);
    }
  });

  it('a nested Sequential', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [D] })] });
    const a = await tfjsArtifactsOf(m);
    const topo = JSON.parse(JSON.stringify(a.modelTopology));
    topo.config.layers.push({ class_name: 'Sequential', config: { name: 'inner', layers: [] } });
    await expectUnsupported({ ...a, modelTopology: topo }, 'Sequential');
  });
});

describe('Keras 3 files', () => {
  it('a functional Keras 3 chain (inbound_nodes with keras_history, InputLayer batch_shape, lstm_cell weight paths) predicts as tfjs-layers', async () => {
    const m = randomizeTfjs(tf, tf.sequential({ layers: [tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', inputShape: [T, D], name: 'lstm' }), tf.layers.dense({ units: 2, name: 'dense' })] }), 31);
    const a = await tfjsArtifactsOf(m);
    const [lstm, dense] = (a.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    const tensor = (from: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [from, 0, 0] } });
    const entry = (l: { class_name: string; config: Record<string, unknown> }, from: string, shape: (number | null)[]) => ({
      module: 'keras.layers',
      class_name: l.class_name,
      config: { ...l.config, batch_input_shape: undefined },
      registered_name: null,
      build_config: { input_shape: shape },
      name: l.config.name,
      inbound_nodes: [{ args: [tensor(from, shape)], kwargs: { training: false, mask: null } }],
    });
    const modelTopology = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, T, D], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null, name: 'input_layer', inbound_nodes: [] },
          entry(lstm, 'input_layer', [null, T, D]),
          entry(dense, 'lstm', [null, 4]),
        ],
        input_layers: [['input_layer', 0, 0]],
        output_layers: [['dense', 0, 0]],
      },
      keras_version: '3.3.3',
      backend: 'tensorflow',
    };
    const weightSpecs = (a.weightSpecs ?? []).map((w) => ({ ...w, name: w.name.replace('lstm/', 'lstm/lstm_cell/') }));
    const model = await loadTfjsModel({ modelTopology, weightSpecs, weightData: a.weightData as ArrayBuffer }, { backend });
    expect(model.layers.map((l) => l.className)).toEqual(['LSTM', 'Dense']);
    const x = randomInput(32, [2, T, D]);
    expectClose((await model.predict(x)).data, tfjsPredict(m, x)[0].data, 'Keras 3 functional');
    model.dispose();
  });
});

describe('sources', () => {
  it('an http model.json whose manifest leaves its directory is refused before any shard is fetched', async () => {
    const dir = tempDir('http-escape');
    await saveTfjsDir(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] }), dir, 1);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../other-model/group1-shard1of1.bin'];
    const seen: string[] = [];
    const fetchFn = (async (u: RequestInfo | URL) => (seen.push(String(u)), new Response(JSON.stringify(json)))) as typeof fetch;
    const err = await loadTfjsModel('https://models.example/a/model.json', { backend, fetch: fetchFn }).catch((e) => e);
    expect(err.problem).toBe('path');
    expect(seen).toEqual(['https://models.example/a/model.json']);
  });

  it('a server that stalls (no response, or a body that stops) or breaks off is a TfjsFormatError, and the request is aborted', async () => {
    const dir = tempDir('http-stall');
    await saveTfjsDir(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] }), dir, 1);
    const jsonText = readFileSync(join(dir, 'model.json'), 'utf8');
    const shard = readFileSync(join(dir, 'group1-shard1of1.bin'));
    const limits = { maxStallMs: 150 };
    const signals: AbortSignal[] = [];
    /** A body that sends `first` bytes and then `then`s: 'stall' (nothing more, never closes) or 'break' (an error). */
    const body = (bytes: Uint8Array, first: number, then: 'stall' | 'break') =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.subarray(0, first));
          if (then === 'break') c.error(new TypeError('socket hang up'));
        },
      });
    const server =
      (json: () => Promise<Response>, bin: () => Promise<Response>) =>
      (async (u: RequestInfo | URL, init?: RequestInit) => {
        if (init?.signal) signals.push(init.signal);
        return String(u).endsWith('.json') ? json() : bin();
      }) as typeof fetch;
    const ok = (b: Uint8Array | string) => async () => new Response(b as BodyInit);
    const cases: [string, typeof fetch, TfjsProblem, RegExp][] = [
      ['no response to model.json', server(() => new Promise(() => {}), ok(shard)), 'source', /fetching model\.json .*no data for 0\.15 s; the server stalled/],
      ['model.json body stops', server(async () => new Response(body(new TextEncoder().encode(jsonText), 10, 'stall')), ok(shard)), 'source', /model\.json: no data for 0\.15 s/],
      ['shard body stops', server(ok(jsonText), async () => new Response(body(shard, 4, 'stall'))), 'missing-shard', /shard 'group1-shard1of1\.bin': no data/],
      ['shard body breaks off', server(ok(jsonText), async () => new Response(body(shard, 4, 'break'))), 'missing-shard', /reading shard .*socket hang up/],
    ];
    for (const [what, fetchFn, problem, text] of cases) {
      signals.length = 0;
      const err = await loadTfjsModel('https://models.example/a/model.json', { backend, fetch: fetchFn, limits }).catch((e) => e);
      expect(err, `${what}: ${err}`).toBeInstanceOf(TfjsFormatError);
      expect(err.problem, what).toBe(problem);
      expect(err.message, what).toMatch(text);
      if (what !== 'shard body breaks off') expect(signals.at(-1)?.aborted, `${what}: the request is aborted`).toBe(true);
    }
    // An HTTP error leaves no request open either; maxStallMs Infinity waits as long as the server
    // does (a timer that long would fire at once); a limit that is not a positive number is a ConfigError.
    signals.length = 0;
    const notFound = await loadTfjsModel('https://models.example/a/model.json', { backend, fetch: server(async () => new Response('no', { status: 404 }), ok(shard)), limits }).catch((e) => e);
    expect(notFound.problem).toBe('source');
    expect(signals.at(-1)?.aborted).toBe(true);
    const m = await loadTfjsModel('https://models.example/a/model.json', { backend, fetch: server(ok(jsonText), ok(shard)), limits: { maxStallMs: Number.POSITIVE_INFINITY } });
    m.dispose();
    for (const maxStallMs of [0, -1, Number.NaN])
      await expect(loadTfjsModel('https://models.example/a/model.json', { backend, fetch: server(ok(jsonText), ok(shard)), limits: { maxStallMs } })).rejects.toThrow(/limits\.maxStallMs must be a positive number/);
  });

  it('a directory, a model.json path, a file:// URL (string and URL object), an http URL (custom fetch) and artifacts all give the same model', async () => {
    const m = randomizeTfjs(tf, tf.sequential({ layers: [tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', inputShape: [T, D] })] }), 13);
    const dir = tempDir('sources');
    const artifacts = await saveTfjsDir(m, dir, 3);
    const x = randomInput(14, [2, T, D]);
    const want = tfjsPredict(m, x)[0].data;
    const seen: string[] = [];
    const fetchFn = (async (u: RequestInfo | URL) => {
      seen.push(String(u));
      return new Response(readFileSync(join(dir, new URL(String(u)).pathname.split('/').pop()!)));
    }) as typeof fetch;
    const sources = [dir, join(dir, 'model.json'), pathToFileURL(dir).href, pathToFileURL(dir), 'https://models.example/gru/model.json', artifacts];
    for (const s of sources) {
      const model = await loadTfjsModel(s as never, { backend, fetch: fetchFn });
      expectClose((await model.predict(x)).data, want, `source ${typeof s === 'string' ? s : 'artifacts'}`);
      model.dispose();
    }
    expect(seen).toEqual(['model.json', 'group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'].map((f) => `https://models.example/gru/${f}`));
  });

  it('saveTfjsModel without a target returns the artifacts, which tf.io.fromMemory and loadTfjsModel both take', async () => {
    const model = sequential({ backend, seed: 5 }, [layers.lstm({ units: 3, inputShape: [T, D] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    const a = await saveTfjsModel(model);
    const x = randomInput(15, [2, T, D]);
    const ours = (await model.predict(x)).data;
    const back = await tf.loadLayersModel(tf.io.fromMemory(a as never));
    expectClose(ours, tfjsPredict(back, x)[0].data, 'tfjs from memory');
    const again = await loadTfjsModel(a, { backend });
    expect(Array.from((await again.predict(x)).data)).toEqual(Array.from(ours));
    model.dispose();
    again.dispose();
  });
});

describe('a tfjs-layers model trained a few steps keeps training with our fit', () => {
  it('same predictions after loading, then our fit lowers the loss further (the optimizer starts fresh)', async () => {
    const m = tf.sequential({
      layers: [tf.layers.lstm({ units: 8, recurrentActivation: 'sigmoid', inputShape: [T, 1] }), tf.layers.dense({ units: 1 })],
    });
    // Target: the mean of the sequence.
    const N = 64;
    const x = randomInput(16, [N, T, 1]);
    const y = new Float32Array(N).map((_, i) => x.data.slice(i * T, (i + 1) * T).reduce((a, b) => a + b, 0) / T);
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await m.fit(tf.tensor(x.data, x.shape), tf.tensor(y, [N, 1]), { epochs: 3, batchSize: 16, verbose: 0, shuffle: false });
    const model = await loadTfjsModel(await tfjsDir(m), { backend, seed: 17 });
    expectClose((await model.predict(x)).data, tfjsPredict(m, x)[0].data, 'after tfjs training');
    model.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 0.01 }) });
    const before = (await model.evaluate(x, { data: y, shape: [N, 1] })).loss;
    const h = await model.fit(x, { data: y, shape: [N, 1] }, { epochs: 15, batchSize: 16, verbose: 0 });
    const after = h.history.loss[h.history.loss.length - 1];
    expect(Number.isFinite(after)).toBe(true);
    expect(after).toBeLessThan(before * 0.7);
    model.dispose();
  });
});

describe('ownership', () => {
  it('loading, predicting, saving and disposing leave no tensor or buffer behind, also when a load fails', async () => {
    const engine = createEngine(createCpuBackend());
    const m = randomizeTfjs(tf, tf.sequential({ layers: [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3 }) as never, inputShape: [T, D] }), tf.layers.dense({ units: 2 })] }), 21);
    const a = await tfjsArtifactsOf(m);
    const x = randomInput(22, [2, T, D]);
    for (let i = 0; i < 3; i++) {
      const model = await loadTfjsModel(a, { backend: engine });
      await model.predict(x);
      await saveTfjsModel(model);
      model.dispose();
      expect(engine.memory()).toMatchObject({ tensors: 0, buffers: 0 });
    }
    // A dense kernel with the wrong shape (same byte count) is refused before any weight is allocated.
    const specs = (a.weightSpecs ?? []).map((w) => (/dense.*\/kernel$/.test(w.name) ? { ...w, shape: [2, 6] } : w));
    await expect(loadTfjsModel({ ...a, weightSpecs: specs }, { backend: engine })).rejects.toThrow(/\[2,6\]/);
    expect(engine.memory()).toMatchObject({ tensors: 0, buffers: 0 });
  });
});
