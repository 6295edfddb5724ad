/**
 * Model files are untrusted input: a size cap on model.json (documented, overridable), error
 * messages that cut what the file says, bounded nesting with a typed error (no RangeError or
 * stack overflow), and file keys that cannot reach prototypes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine, quote } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, layers, loadModel, ModelFormatError, optimizers, sequential } from '../src/index.js';
import { hostTensor, randomValues } from './helpers.js';

let dir: string;
let good: string;
// biome-ignore lint/suspicious/noExplicitAny: a parsed model.json, edited freely to make bad files
type Json = Record<string, any>;
let goodJson: Json;
const engine = createEngine(createCpuBackend());
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recurrent-untrusted-'));
  const m = sequential({ backend: engine, seed: 1 }, [layers.lstm({ units: 2, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
  m.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 0.01 }) });
  await m.fit(hostTensor(randomValues(1, 8), [2, 2, 2]), hostTensor([1, 0], [2, 1]), { verbose: 0 });
  good = join(dir, 'good');
  await m.save(good);
  goodJson = JSON.parse(await readFile(join(good, 'model.json'), 'utf8'));
  m.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the good model with model.json replaced by `text`. */
async function withJson(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await rm(p, { recursive: true, force: true });
  const { cp } = await import('node:fs/promises');
  await cp(good, p, { recursive: true });
  await writeFile(join(p, 'model.json'), text);
  return p;
}
const edited = (f: (j: Json) => void) => {
  const j = structuredClone(goodJson);
  f(j);
  return JSON.stringify(j);
};
const failure = async (p: string | ReturnType<typeof io.memory>, options: { maxJsonBytes?: number } = {}) => {
  const err = (await loadModel(p, { backend: engine, ...options }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(ModelFormatError);
  expect(engine.memory().tensors).toBe(0);
  return err;
};
const nested = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe('model.json size', () => {
  it('a file above the cap (16 MiB by default) is refused before it is read; maxJsonBytes raises or lowers the cap', async () => {
    const p = await withJson('huge', edited((j) => (j.padding = 'x'.repeat(17 * 1024 * 1024))));
    const err = await failure(p);
    expect(err.message).toMatch(/model.json is \d+ bytes, more than the 16777216-byte limit .* loadModel\(source, \{ backend, maxJsonBytes \}\)/);
    const m = await loadModel(p, { backend: engine, maxJsonBytes: 32 * 1024 * 1024 });
    m.dispose();
    expect((await failure(good, { maxJsonBytes: 100 })).message).toMatch(/more than the 100-byte limit/);
    expect(io.DEFAULT_MAX_JSON_BYTES).toBe(16 * 1024 * 1024);
  });

  it('a huge string in a bad entry is cut in the message', async () => {
    const big = 'A'.repeat(5_000_000);
    const cases = [
      edited((j) => (j.weights.entries[0].name = { big })),
      edited((j) => (j.format = big)),
      edited((j) => (j.model.layers[0].className = big)),
      edited((j) => (j.model.layers[0].config.units = big)),
      edited((j) => (j.model.layers[0].config[big] = 1)),
      edited((j) => (j.model.layers[0].config.name = big)),
      edited((j) => (j.weights.path = big)),
      edited((j) => (j.training.optimizer.name = big)),
      edited((j) => (j.training.optimizer.config.beta1 = big)),
      edited((j) => (j.training.rng.s = [big])),
      edited((j) => (j.weights.entries[0].name = big)),
    ];
    for (const [i, text] of cases.entries()) {
      const err = await failure(await withJson(`big-${i}`, text));
      expect(err.message.length, `case ${i}: ${err.message.slice(0, 200)}`).toBeLessThan(1000);
      expect(err.message).toMatch(/AAAA/);
    }
  });

  it('quote cuts strings, arrays and objects, a few levels deep', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('x'.repeat(1000), 20)).toBe(`"${'x'.repeat(19)}... (cut)`);
    expect(quote({ a: [1, 2, { b: [3] }] })).toBe('{"a": [1, 2, {"b": [...]}]}');
    expect(quote(JSON.parse(nested(100_000, '1')))).toBe('[[[[...]]]]');
  });
});

describe('nesting depth', () => {
  it('100,000 levels in weights.entries[i].shape, inputShape or a layer config: a typed error, not a RangeError', async () => {
    const goodJsonText = () => JSON.stringify(goodJson);
    const shape = JSON.stringify(goodJson.weights.entries[0].shape);
    const cases = [
      goodJsonText().replace(`"shape":${shape}`, `"shape":${nested(100_000, '1')}`),
      goodJsonText().replace('"inputShape":[null,2]', `"inputShape":${nested(100_000, 'null')}`),
      goodJsonText().replace('"units":2', `"units":${nested(100_000, '2')}`),
    ];
    for (const [i, text] of cases.entries()) {
      expect(text.length).toBeGreaterThan(200_000);
      const err = await failure(await withJson(`deep-${i}`, text));
      expect(err.message).toMatch(/nests arrays or objects more than 64 levels deep/);
    }
  });

  it('Bidirectional / TimeDistributed nested 100,000 deep: a typed error, not a stack overflow', async () => {
    let layer: object = { className: 'Dense', config: { units: 1 } };
    for (let i = 0; i < 100_000; i++) layer = { className: i % 2 ? 'Bidirectional' : 'TimeDistributed', config: { layer } };
    // JSON.stringify itself would overflow on this: build the text by hand.
    const open = Array.from({ length: 100_000 }, (_, i) => `{"className":"${(99_999 - i) % 2 ? 'Bidirectional' : 'TimeDistributed'}","config":{"layer":`).join('');
    const text = edited((j) => (j.model.layers = ['@'])).replace('"@"', `${open}{"className":"Dense","config":{"units":1}}${'}}'.repeat(100_000)}`);
    const err = await failure(await withJson('deep-layers', text));
    expect(err.message).toMatch(/more than 64 levels deep/);
    // The same object handed over in memory (io.memory), where no JSON text is parsed.
    const artifacts = { modelJson: { ...structuredClone(goodJson), model: { ...goodJson.model, layers: [layer] } }, weights: new Uint8Array(0) };
    expect(() => io.memory(artifacts as never)).toThrow(/more than 64 levels deep/);
    // And from a custom handler.
    expect((await failure({ description: 'custom', load: async () => artifacts } as never)).message).toMatch(/more than 64 levels deep/);
  });
});

describe('keys from a file never reach a prototype', () => {
  it("'__proto__' in training.optimizer.config does not set clipNorm (or any option)", async () => {
    const text = JSON.stringify(goodJson).replace('"learningRate":0.01', '"learningRate":0.01,"__proto__":{"clipNorm":1e-9,"clipValue":1e-9}');
    expect(text).toContain('__proto__');
    const m = await loadModel(await withJson('proto', text), { backend: engine });
    const state = await m.optimizer!.getState();
    expect(state.config.clipNorm).toBeUndefined();
    expect(state.config.clipValue).toBeUndefined();
    expect(state.config.learningRate).toBe(0.01);
    m.dispose();
  });

  it("'__proto__' as an optimizer slot or weight name is a wrong name, not a prototype", async () => {
    const text = edited((j) => {
      j.training.optimizer.slots[0].name = '__proto__';
    });
    const err = await failure(await withJson('proto-slot', text));
    expect(err.message).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).shape).toBeUndefined();
  });
});

describe('loading weights only', () => {
  it('includeOptimizer: false loads a model whose optimizer file is damaged or missing, uncompiled', async () => {
    const { cp, unlink } = await import('node:fs/promises');
    const p = join(dir, 'no-optimizer');
    await cp(good, p, { recursive: true });
    const opt = (await import('node:fs')).readdirSync(p).find((f) => f.startsWith('optimizer.'))!;
    await writeFile(join(p, opt), new Uint8Array(3));
    expect((await failure(p)).message).toMatch(/optimizer file .* is truncated/);
    const full = await loadModel(good, { backend: engine });
    const x = hostTensor(randomValues(9, 8), [2, 2, 2]);
    for (const damage of ['truncated', 'missing']) {
      if (damage === 'missing') await unlink(join(p, opt));
      const m = await loadModel(p, { backend: engine, includeOptimizer: false });
      expect(m.optimizer).toBeUndefined();
      expect(Array.from((await m.predict(x)).data)).toEqual(Array.from((await full.predict(x)).data));
      m.dispose();
    }
    full.dispose();
  });
});

describe('deeperThan (the depth check, without recursion)', () => {
  it("counts an array's extra own keys, skips holes (a sparse array of length 2^32 - 1 is checked at once), and finds depth in long arrays", async () => {
    const { deeperThan } = await import('../src/internal/untrusted.js');
    const extra = Object.assign([1, 2], { extra: [[[[1]]]] });
    expect(deeperThan(extra, 3)).toBe(true);
    expect(deeperThan(extra, 5)).toBe(false);
    const sparse: unknown[] = [];
    sparse[2 ** 32 - 2] = [[0]];
    expect(deeperThan(sparse, 2)).toBe(true);
    expect(deeperThan(sparse, 3)).toBe(false);
    const long = new Array(1_000_000).fill(1);
    long[999_999] = JSON.parse(nested(70, "1"));
    expect(deeperThan(long, 64)).toBe(true);
    expect(deeperThan(JSON.parse(nested(64, '1')), 64)).toBe(false);
    expect(deeperThan(JSON.parse(nested(65, '1')), 64)).toBe(true);
  });
});
