/**
 * Functional tfjs-layers models (several inputs / outputs, merge layers, encoder state ->
 * decoder initialState) built and saved by tfjs-layers 4.22 load with loadTfjsModel as our
 * functional model and predict what tfjs predicts; broken graphs are typed errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import type { Functional, Prediction } from '@recurrent/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { testRandom } from '@recurrent/core/testing';
import { loadTfjsModel, saveTfjsModel, TfjsFormatError, UnsupportedLayerError } from '../src/index.js';
import { randomInput, randomizeTfjs } from './tfjs-cases.js';
import { expectClose, expectInformative, loadTfjsDir, readJson, saveTfjsDir, tempDir, tf, tfReady } from './tfjs-node.js';

beforeAll(async () => {
  await tfReady();
});

type Host = { data: Float32Array; shape: number[] };

interface GraphCase {
  name: string;
  build(): tf.LayersModel;
  inputs: number[][];
}

/** tfjs predictions for several inputs, [data, shape] per output. */
function tfjsPredictAll(m: tf.LayersModel, xs: Host[]): Host[] {
  return tf.tidy(() => {
    const out = m.predict(xs.map((x) => tf.tensor(x.data, x.shape)));
    return (Array.isArray(out) ? out : [out]).map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));
  });
}

/** Ours and tfjs's predictions on the same random inputs agree, output by output. */
async function expectSamePredictions(model: Functional, tfModel: tf.LayersModel, c: GraphCase, seed: number): Promise<void> {
  const xs = c.inputs.map((s, i) => randomInput(seed + i, s));
  const want = tfjsPredictAll(tfModel, xs);
  const got = await model.predict(xs.length === 1 ? xs[0] : xs);
  const outs: Prediction[] = Array.isArray(got) ? got : [got];
  expect(outs.length).toBe(want.length);
  outs.forEach((o, i) => {
    expect(o.shape).toEqual(want[i].shape);
    expectInformative(want[i].data, `${c.name}: output ${i}`);
    expectClose(o.data, want[i].data, `${c.name}: output ${i}`);
  });
}

function encoderDecoder(cell: 'lstm' | 'gru'): tf.LayersModel {
  const source = tf.input({ shape: [5, 3], name: 'encoder_input' });
  const target = tf.input({ shape: [4, 2], name: 'decoder_input' });
  const rnn = cell === 'lstm' ? tf.layers.lstm : tf.layers.gru;
  const [, ...states] = rnn({ units: 4, returnState: true, recurrentActivation: 'sigmoid', name: 'encoder' }).apply(source) as tf.SymbolicTensor[];
  const decoded = rnn({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid', name: 'decoder' }).apply(target, { initialState: states }) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 6, activation: 'softmax', name: 'next' }).apply(decoded) as tf.SymbolicTensor;
  return tf.model({ inputs: [source, target], outputs: out });
}

function mergeModel(): tf.LayersModel {
  const a = tf.input({ shape: [5, 3], name: 'a' });
  const b = tf.input({ shape: [5, 3], name: 'b' });
  const ha = tf.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid', name: 'lstm_a' }).apply(a) as tf.SymbolicTensor;
  const hb = tf.layers.gru({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid', name: 'gru_b' }).apply(b) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ axis: -1, name: 'cat' }).apply([ha, hb]) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([ha, hb]) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 2, activation: 'tanh', name: 'head' }).apply(cat) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: [y, sum] });
}

/** One input, two branches concatenated (not a chain: it loads as a functional model, no longer refused). */
function branches(): tf.LayersModel {
  const x = tf.input({ shape: [5, 3], name: 'x' });
  const a = tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  const b = tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor });
}

const CASES: GraphCase[] = [
  { name: 'LSTM encoder-decoder (returnState -> initialState, two inputs, dense softmax)', build: () => encoderDecoder('lstm'), inputs: [[3, 5, 3], [3, 4, 2]] },
  { name: 'GRU encoder-decoder (returnState -> initialState, two inputs, dense softmax)', build: () => encoderDecoder('gru'), inputs: [[3, 5, 3], [3, 4, 2]] },
  { name: 'two inputs, concatenate and add, two outputs', build: mergeModel, inputs: [[3, 5, 3], [3, 5, 3]] },
  { name: 'one input, LSTM and GRU branches concatenated (default tfjs layer names)', build: branches, inputs: [[3, 5, 3]] },
];

describe('tfjs-layers functional model -> loadTfjsModel -> same predictions (cpu)', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const tfModel = randomizeTfjs(tf, c.build(), 500 + k);
      const dir = tempDir('tfjs-graph');
      await saveTfjsDir(tfModel, dir, 2);
      const model = await loadTfjsModel<Functional>(dir, { backend: createCpuBackend(), seed: 1 });
      expect(model.inputNames).toEqual(tfModel.inputNames);
      await expectSamePredictions(model, tfModel, c, 600 + 10 * k);
      model.dispose();
      tfModel.dispose();
    });
  });
});

describe('loadTfjsModel -> new weights -> saveTfjsModel -> tf.loadLayersModel -> same predictions (cpu)', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const tfModel = c.build();
      const dir = tempDir('tfjs-graph-src');
      await saveTfjsDir(tfModel, dir, 1);
      tfModel.dispose();
      const model = await loadTfjsModel<Functional>(dir, { backend: createCpuBackend(), seed: 1 });
      const r = testRandom(700 + k);
      model.setWeights((await model.getWeights()).map((w) => ({ ...w, data: Float32Array.from(w.data, () => r(-0.5, 0.5)) })));
      const out = tempDir('tfjs-graph-out');
      await saveTfjsModel(model, out);
      const back = await loadTfjsDir(out);
      await expectSamePredictions(model, back, c, 800 + 10 * k);
      model.dispose();
      back.dispose();
    });
  });
});

describe('broken functional graphs are typed errors', () => {
  async function variant(edit: (topology: { config: { layers: Record<string, unknown>[] } }) => void): Promise<unknown> {
    const tfModel = encoderDecoder('lstm');
    const dir = tempDir('tfjs-graph-bad');
    await saveTfjsDir(tfModel, dir, 1);
    tfModel.dispose();
    const json = readJson(join(dir, 'model.json')) as { modelTopology: { config: { layers: Record<string, unknown>[] } } };
    edit(json.modelTopology);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return loadTfjsModel(dir, { backend: createCpuBackend() }).catch((e) => e);
  }
  const layer = (t: { config: { layers: Record<string, unknown>[] } }, name: string) => t.config.layers.find((l) => l.name === name)!;

  it('an unknown layer class names the layer', async () => {
    const err = await variant((t) => {
      layer(t, 'next').class_name = 'Conv1D';
    });
    expect(err).toBeInstanceOf(UnsupportedLayerError);
    expect((err as Error).message).toMatch(/'next' \(Conv1D\)/);
  });

  it('a cycle is a TfjsFormatError naming the layer', async () => {
    const err = await variant((t) => {
      layer(t, 'encoder').inbound_nodes = [[['decoder', 0, 0, {}]]];
    });
    expect(err).toBeInstanceOf(TfjsFormatError);
    expect((err as Error).message).toMatch(/never gets computed/);
  });

  it('a reference to a missing state output names it', async () => {
    const err = await variant((t) => {
      layer(t, 'decoder').inbound_nodes = [[['decoder_input', 0, 0, {}], ['encoder', 0, 7, {}], ['encoder', 0, 2, {}]]];
    });
    expect(err).toBeInstanceOf(TfjsFormatError);
    expect((err as Error).message).toMatch(/output 7 of 'encoder'/);
  });

  it('a non-merge layer reading two tensors is refused naming it', async () => {
    const err = await variant((t) => {
      layer(t, 'next').inbound_nodes = [[['decoder', 0, 0, {}], ['decoder', 0, 0, {}]]];
    });
    expect(err).toBeInstanceOf(UnsupportedLayerError);
    expect((err as Error).message).toMatch(/'next' \(Dense\)/);
  });

  it('more layer calls than limits.maxNodes is refused before building', async () => {
    const tfModel = encoderDecoder('lstm');
    const dir = tempDir('tfjs-graph-big');
    await saveTfjsDir(tfModel, dir, 1);
    tfModel.dispose();
    const err = await loadTfjsModel(dir, { backend: createCpuBackend(), limits: { maxNodes: 2 } }).catch((e) => e);
    expect(err).toBeInstanceOf(TfjsFormatError);
    expect((err as TfjsFormatError).problem).toBe('too-large');
  });
});
