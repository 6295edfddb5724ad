/**
 * Broken and hostile tfjs model files: each is a typed error (TfjsFormatError with a `problem`,
 * a ModelFormatError with code E_STATE) raised before any large allocation, and nothing is read
 * outside the model's directory.
 */
import { mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError } from '@recurrent/core';
import { ModelFormatError } from '@recurrent/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, type TfjsProblem, TfjsFormatError } from '../src/index.js';
import { saveTfjsDir, tempDir, tf, tfReady } from './tfjs-node.js';

const backend = createCpuBackend();
/** The parts of a model.json the variants edit. */
interface ModelJson {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  [key: string]: unknown;
}

let good: { dir: string; json: ModelJson };

beforeAll(async () => {
  await tfReady();
  const m = tf.sequential({ layers: [tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', inputShape: [4, 2] }), tf.layers.dense({ units: 1 })] });
  const dir = tempDir('hostile-good');
  await saveTfjsDir(m, dir, 2);
  good = { dir, json: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) };
});

/** A copy of the good model directory (shards included), with model.json replaced by `edit`'s result. */
function variant(edit: (json: ModelJson) => unknown, raw?: string): string {
  const parent = tempDir('hostile');
  const dir = join(parent, 'model');
  mkdirSync(dir);
  for (const f of ['group1-shard1of2.bin', 'group1-shard2of2.bin']) writeFileSync(join(dir, f), readFileSync(join(good.dir, f)));
  writeFileSync(join(dir, 'model.json'), raw ?? JSON.stringify(edit(structuredClone(good.json))));
  return dir;
}

async function expectProblem(source: string, problem: TfjsProblem, text?: RegExp): Promise<TfjsFormatError> {
  const err = await loadTfjsModel(source, { backend }).catch((e) => e);
  expect(err, String(err?.stack ?? err)).toBeInstanceOf(TfjsFormatError);
  expect(err).toBeInstanceOf(ModelFormatError);
  expect(err.code).toBe('E_STATE');
  expect(err.problem).toBe(problem);
  if (text) expect(err.message).toMatch(text);
  return err;
}

const weights = (j: ModelJson) => j.weightsManifest[0].weights;

describe('hostile and broken tfjs model files', () => {
  it('the unmodified copy loads (the variants below differ only by their defect)', async () => {
    const model = await loadTfjsModel(variant((j) => j), { backend });
    expect(model.countParams()).toBe(4 * 3 * (2 + 3 + 1) + 4);
    model.dispose();
  });

  it('a missing shard', async () => {
    await expectProblem(variant((j) => ((j.weightsManifest[0].paths[1] = 'group1-shard9of2.bin'), j)), 'missing-shard', /group1-shard9of2\.bin/);
  });

  it('a manifest whose byte sizes do not add up: shards too short, too long', async () => {
    await expectProblem(variant((j) => ((j.weightsManifest[0].paths = ['group1-shard1of2.bin']), j)), 'byte-size', /need/);
    await expectProblem(variant((j) => (weights(j).pop(), j)), 'byte-size');
  });

  it('a shape that does not match the layer (same byte count)', async () => {
    await expectProblem(variant((j) => ((weights(j)[0].shape = [3, 8]), j)), 'shape', /lstm.*kernel/);
  });

  it('absurd shapes (10^12 elements) fail on the manifest, before any shard is read or buffer allocated', async () => {
    const err = await expectProblem(variant((j) => ((weights(j)[0].shape = [1e6, 1e6]), j)), 'too-large', /maxWeightBytes/);
    expect(err.message).toContain('[1000000,1000000]');
    await expectProblem(variant((j) => ((weights(j)[0].shape = [-1, 12]), j)), 'shape');
    await expectProblem(variant((j) => ((weights(j)[0].shape = [2.5, 12]), j)), 'shape');
  });

  it('a weight that is not float32, or quantized', async () => {
    await expectProblem(variant((j) => ((weights(j)[0].dtype = 'int32'), j)), 'dtype');
    await expectProblem(variant((j) => (Object.assign(weights(j)[0], { quantization: { dtype: 'uint8', min: 0, scale: 1 } }), j)), 'dtype', /quantize/);
  });

  it('__proto__ keys (in the topology and in a weight spec) are refused, and nothing is polluted', async () => {
    const raw = JSON.stringify(good.json).replace('"modelTopology":{', '"modelTopology":{"__proto__":{"polluted":1},');
    await expectProblem(variant(() => null, raw), 'forbidden-key', /__proto__/);
    const raw2 = JSON.stringify(good.json).replace('"dtype":"float32"', '"dtype":"float32","__proto__":{"shape":[1]}');
    await expectProblem(variant(() => null, raw2), 'forbidden-key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Handed over in memory too.
    const artifacts = JSON.parse(JSON.stringify({ modelTopology: good.json.modelTopology, weightSpecs: [] }));
    Object.defineProperty(artifacts.modelTopology, '__proto__', { value: {}, enumerable: true });
    const err = await loadTfjsModel({ ...artifacts, weightData: new ArrayBuffer(0) }, { backend }).catch((e) => e);
    expect(err.problem).toBe('forbidden-key');
  });

  it.each([
    ['../', '../secret.bin'],
    ['nested ../', 'sub/../../secret.bin'],
    ['absolute', '/etc/passwd'],
    ['URL-encoded ../', '%2e%2e%2fsecret.bin'],
    ['double-encoded ../', '%252e%252e%252fsecret.bin'],
    ['a scheme', 'https://evil.example/w.bin'],
    ['a Windows drive', 'C:/w.bin'],
    ['a backslash', '..\\secret.bin'],
  ])('a manifest path that leaves the directory: %s', async (_name, p) => {
    const dir = variant((j) => ((j.weightsManifest[0].paths[0] = p), j));
    writeFileSync(join(dir, '..', 'secret.bin'), readFileSync(join(good.dir, 'group1-shard1of2.bin')));
    await expectProblem(dir, 'path', /relative to model\.json/);
  });

  it('a shard that is a symlink to a file outside the directory', async () => {
    const dir = variant((j) => j);
    writeFileSync(join(dir, '..', 'outside.bin'), readFileSync(join(good.dir, 'group1-shard1of2.bin')));
    const link = join(dir, 'group1-shard1of2.bin');
    unlinkSync(link);
    symlinkSync(join(dir, '..', 'outside.bin'), link);
    await expectProblem(dir, 'path', /outside the model's directory/);
  });

  it('a huge model.json is refused by its size (stat) before it is read; the limit is overridable', async () => {
    const dir = variant((j) => ({ ...j, padding: 'x'.repeat(40 * 2 ** 20) }));
    await expectProblem(dir, 'too-large', /maxJsonBytes/);
    const model = await loadTfjsModel(dir, { backend, limits: { maxJsonBytes: 64 * 2 ** 20 } });
    model.dispose();
  });

  it('deep nesting is refused before parsing', async () => {
    const raw = `${JSON.stringify(good.json).slice(0, -1)},"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await expectProblem(variant(() => null, raw), 'too-deep', /maxDepth/);
  });

  it('not JSON, not a model.json, not a layers model', async () => {
    await expectProblem(variant(() => null, '{"modelTopology": '), 'json');
    await expectProblem(variant(() => ({ hello: 1 })), 'json', /modelTopology/);
    await expectProblem(variant((j) => ({ ...j, format: 'graph-model' })), 'json', /tfjs_layers_model/);
  });

  it('non-finite weights', async () => {
    const dir = variant((j) => j);
    const f = join(dir, 'group1-shard1of2.bin');
    const b = readFileSync(f);
    b.writeFloatLE(Number.NaN, 8);
    writeFileSync(f, b);
    await expectProblem(dir, 'weights', /NaN/);
  });

  it('a weight no layer uses, or a layer weight missing', async () => {
    await expectProblem(variant((j) => ((weights(j)[0].name = 'elsewhere/kernel'), j)), 'weights', /elsewhere\/kernel/);
  });

  it('settings the engines would read differently are refused, not guessed (found by tfjs-fuzz.test.ts)', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: editing the Keras config of the first layer
    const lstm = (j: ModelJson) => (j.modelTopology as any).config.layers[0].config as Record<string, unknown>;
    const configError = async (edit: (c: Record<string, unknown>) => void, text: RegExp) => {
      const err = await loadTfjsModel(variant((j) => (edit(lstm(j)), j)), { backend }).catch((e) => e);
      expect(err, String(err)).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(text);
    };
    // tfjs-layers resolves 'tanh' to its activation and applies it to the loaded kernel
    await configError((c) => (c.kernel_constraint = 'tanh'), /kernel_constraint "tanh" is not a Keras weight constraint/);
    await configError((c) => (c.bias_constraint = { class_name: 'Orthogonal', config: {} }), /bias_constraint/);
    // tfjs-layers would take hard_sigmoid, Keras sigmoid
    await configError((c) => delete c.recurrent_activation, /recurrent_activation is missing/);
    // null is linear in both engines, which an LSTM here does not run
    await configError((c) => (c.activation = null), /linear/);
    // MinMaxNorm below rate 1 would move the weights when tfjs-layers re-applies it on load
    await configError((c) => (c.recurrent_constraint = { class_name: 'MinMaxNorm', config: { min_value: 0, max_value: 1, rate: 0.5, axis: 0 } }), /rate 0\.5/);
    // the Keras constraints that re-applying leaves as they are load (not applied: trained weights satisfy them)
    for (const constraint of [{ class_name: 'MaxNorm', config: { max_value: 3, axis: 0 } }, { class_name: 'MinMaxNorm', config: { min_value: 0, max_value: 1, rate: 1, axis: 0 } }, 'nonNeg']) {
      const ok = await loadTfjsModel(variant((j) => ((lstm(j).kernel_constraint = constraint), j)), { backend });
      ok.dispose();
    }
  });

  it('no model at the path', async () => {
    await expectProblem(join(tempDir('empty'), 'nothing'), 'source', /no tfjs model here/);
  });
});
