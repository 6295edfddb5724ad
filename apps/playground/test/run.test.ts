/**
 * The playground's runs in Node on the CPU backend, on @recurrent/models: a run moved through a
 * playground file (as a backend switch or a saved file carries it) continues exactly as the
 * uninterrupted run; a playground save loads in Node with the library's `loadModel`, and a model
 * saved in Node with `model.save` loads through the playground's load path; hostile files are
 * refused with a clear message and change nothing; the URL form of the configuration
 * round-trips and reports what it ignores.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import {
  data as libData,
  type Functional,
  type HostTensor,
  input,
  loadModel,
  model as libModel,
  ModelFormatError,
  type Sequential,
  seq2seqShapeOf,
  type SymbolicTensor,
} from '@recurrent/models';
import { afterAll, describe, expect, it } from 'vitest';
import { readBaseData, readPlaygroundData } from '../data-files.js';
import { TrainerService } from '../src/backends/service.js';
import { buildModel, compileModel } from '../src/model/build.js';
import { configFromQuery, configToQuery, DEFAULT_CONFIG, type ModelConfig, type TrainConfig } from '../src/model/config.js';
import { FILE_FORMAT, loadRun, type PickedFile, type PlaygroundFile, saveRun } from '../src/model/file.js';
import { END_LABEL, Run, toInputs } from '../src/model/run.js';
import type { DigitsTask } from '../src/tasks/digits.js';
import type { G2pTask } from '../src/tasks/g2p.js';
import { createTask } from '../src/tasks/index.js';
import { splitWords } from '../src/tasks/text.js';
import { checkSeed } from '../src/ui/controls.js';
import { linearRange, logRange } from '../src/ui/ranges.js';

const data = readPlaygroundData();
const train: TrainConfig = { optimizer: 'adam', learningRate: 0.01, batchSize: 8, clipNorm: 1 };
const cpu = createCpuBackend();
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'playground-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function losses(r: Run, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await r.trainStep()).loss);
  return out;
}

const asFile = (text: string, name = 'run.json'): PickedFile[] => [{ name, bytes: new TextEncoder().encode(text) }];

describe('Run on @recurrent/models', () => {
  for (const [task, cell] of [
    ['names', 'lstm'],
    ['generate', 'gru'],
    ['weather', 'simpleRnn'],
    ['adding', 'lstm'],
    ['digits', 'gru'],
  ] as const) {
    it(`${task} (${cell}, 2 layers): a run moved through a playground file continues exactly`, async () => {
      const model: ModelConfig = { task, cell, units: 6, layers: 2, seqLen: task === 'adding' ? 12 : task === 'digits' ? 28 : 8, seed: 5 };
      const whole = Run.fresh(cpu, data, model, train);
      const expected = await losses(whole, 6);
      const first = Run.fresh(cpu, data, model, train);
      const before = await losses(first, 3);
      const text = await saveRun(first, []);
      first.dispose();
      const { run: moved } = await loadRun(cpu, data, asFile(text), { batchSize: 99 });
      expect(moved.step).toBe(3);
      expect(moved.config).toEqual(model);
      expect(moved.trainConfig).toEqual(train);
      expect([...before, ...(await losses(moved, 3))]).toEqual(expected);
      expect(expected[5]).toBeLessThan(expected[0]);
      const engine = moved.model.engine;
      whole.dispose();
      moved.dispose();
      expect(engine.memory().tensors).toBe(0);
    });
  }

  it('reads the gradient per step from inspect; steps that are padding in every example are null, earlier ones are not', async () => {
    const r = Run.fresh(cpu, data, { task: 'names', cell: 'lstm', units: 4, layers: 2, seqLen: 15, seed: 2 }, train);
    const s = await r.trainStep(true);
    expect(s.stepGradNorms).toHaveLength(2);
    for (const row of s.stepGradNorms!) {
      expect(row).toHaveLength(15);
      expect(row[0]).toBeGreaterThan(0);
      // Names are post-padded: the first steps hold a letter in every example.
      expect(row.slice(0, 3).every((v) => v !== null && v > 0)).toBe(true);
    }
    const ins = await r.inspect(0);
    expect(ins.hidden).toHaveLength(2);
    expect(ins.gates[0].names).toEqual(['i', 'f', 'g', 'o']);
    expect(ins.hidden[0].length).toBe(ins.stepLabels.length * 4);
    r.dispose();
  });

  it("the validation metric from the library's evaluate equals the task's own score of the predictions", async () => {
    for (const task of ['names', 'generate', 'weather', 'digits'] as const) {
      const r = Run.fresh(cpu, data, { task, cell: 'gru', units: 6, layers: 1, seqLen: task === 'digits' ? 28 : 8, seed: 3 }, train);
      await losses(r, 2);
      const v = await r.evaluate();
      const s = r.task.score!(await r.predict(r.task.validation), r.task.validation);
      expect(v.metric, task).toBeCloseTo(s.sum / s.count, 4);
      r.dispose();
    }
  });

  it('digits: the bundled mnist subset (3000 training, 1000 test images, balanced), read row by row; test accuracy far above chance after 150 steps', async () => {
    const r = Run.fresh(cpu, data, { task: 'digits', cell: 'lstm', units: 32, layers: 1, seqLen: 28, seed: 1 }, { ...train, learningRate: 0.01, batchSize: 32 });
    const task = r.task as DigitsTask;
    expect(task.trainSize).toBe(3000);
    expect([task.validation.B, task.validation.T, task.validation.D]).toEqual([1000, 28, 28]);
    expect(Array.from({ length: 10 }, (_, d) => task.test.labels.filter((l) => l === d).length)).toEqual(new Array(10).fill(100));
    // Grey levels in [0, 1] with ink and background in every image.
    const px = task.validation.x;
    expect(Math.min(...px.subarray(0, 784))).toBe(0);
    expect(Math.max(...px.subarray(0, 784))).toBe(1);
    const before = await r.evaluate();
    await losses(r, 150);
    const after = await r.evaluate();
    expect(after.loss).toBeLessThan(before.loss);
    // Chance is 10%.
    expect(after.metric).toBeGreaterThan(0.5);
    // The task view's data: test images cycling through the digits, with probabilities for 0-9.
    const ds = await r.digits(0, 11);
    expect(ds.map((d) => d.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    for (const d of ds) {
      expect(d.pixels).toHaveLength(784);
      expect(d.probs.reduce((a, p) => a + p, 0)).toBeCloseTo(1, 5);
    }
    // The hidden state over the 28 rows.
    const ins = await r.inspect(3);
    expect(ins.stepLabels).toHaveLength(28);
    expect(ins.hidden[0]).toHaveLength(28 * 32);
    expect(ins.text).toMatch(/^Test image #\d+ is a 3; the model says \d/);
    const engine = r.model.engine;
    r.dispose();
    expect(engine.memory().tensors).toBe(0);
  });

  it('the digits and g2p data are fetched only when a run of their task or a file load needs them, and once', async () => {
    const fetches = { digits: 0, g2p: 0 };
    const service = new TrainerService(cpu, readBaseData(), async () => {}, {
      digits: async () => {
        fetches.digits++;
        return data.digits;
      },
      g2p: async () => {
        fetches.g2p++;
        return data.g2p;
      },
    });
    const model: ModelConfig = { task: 'names', cell: 'gru', units: 4, layers: 1, seqLen: 8, seed: 1 };
    await service.init(model, train);
    expect(fetches).toEqual({ digits: 0, g2p: 0 });
    const digits = await service.init({ ...model, task: 'digits', seqLen: 28 }, train);
    expect([fetches, digits.title]).toEqual([{ digits: 1, g2p: 0 }, 'Handwritten digits']);
    await service.init({ ...model, task: 'digits', seqLen: 28 }, train);
    const g2p = await service.init({ ...model, task: 'g2p', seqLen: 12 }, train);
    await service.init({ ...model, task: 'g2p', seqLen: 12 }, train);
    expect([fetches, g2p.title, g2p.layerNames]).toEqual([{ digits: 1, g2p: 1 }, 'Spelling → pronunciation', ['encoder (letters)', 'decoder (phonemes)']]);
    await service.dispose();
    // Without the data or a way to fetch it, the task says what is missing.
    expect(() => createTask('digits', 28, readBaseData())).toThrow(/digits data is not loaded/);
    expect(() => createTask('g2p', 12, readBaseData())).toThrow(/g2p data is not loaded/);
  });

  it('samples names greedily (temperature 0) and after a priming text', async () => {
    const r = Run.fresh(cpu, data, { task: 'generate', cell: 'gru', units: 8, layers: 1, seqLen: 8, seed: 1 }, train);
    await losses(r, 3);
    const greedy = await r.sample(3, 0, 1, 'ma');
    expect(greedy.every((n) => n.name.startsWith('ma'))).toBe(true);
    // Greedy: every draw is the same name.
    expect(new Set(greedy.map((n) => n.name)).size).toBe(1);
    r.dispose();
  });
});

describe('g2p: spelling to pronunciation (the library\'s seq2seq recipe)', () => {
  const g2p: ModelConfig = { task: 'g2p', cell: 'gru', units: 64, layers: 1, seqLen: 12, seed: 1 };

  it('the bundled CMUdict subset: 3000 training and 300 held-out words across the alphabet, none in both', () => {
    const t = createTask('g2p', 12, data) as G2pTask;
    expect([t.trainWords.length, t.testWords.length]).toEqual([3000, 300]);
    const train = new Set(t.trainWords.map((w) => w.word));
    expect(t.testWords.some((w) => train.has(w.word))).toBe(false);
    // Every letter of the alphabet starts some training word; the same bundle gives the same split.
    expect(new Set(t.trainWords.map((w) => w.word[0])).size).toBe(26);
    expect((createTask('g2p', 12, data) as G2pTask).testWords.slice(0, 5)).toEqual(t.testWords.slice(0, 5));
    expect(t.baseline.phonemeErrorRate).toBeGreaterThan(0.3);
  });

  it('trains with trainOnBatch; after 300 steps the held-out phoneme error rate beats the nearest-spelling baseline', async () => {
    const r = Run.fresh(cpu, data, { ...g2p, layers: 3 }, { ...train, batchSize: 32 });
    expect(r.config.layers).toBe(1);
    const before = await r.evaluate();
    await losses(r, 300);
    const after = await r.evaluate();
    const s = await r.g2pScores();
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.metric).toBe(s.model.phonemeErrorRate);
    expect(s.model.phonemeErrorRate).toBeLessThan(s.baseline.phonemeErrorRate);
    expect(s.examples).toHaveLength(8);
    const p = await r.pronounce('Hello');
    expect(p.greedy.length).toBeGreaterThan(1);
    expect(p.rows).toEqual([...p.greedy, END_LABEL]);
    await expect(r.pronounce('r2d2')).rejects.toThrow(/'r2d2' is not a word the model reads: type 1 to 12 letters a-z/);
    // The hidden-state view: the encoder's state after each letter, the decoder's after each phoneme it reads.
    const ins = await r.inspect(0);
    const w = (r.task as G2pTask).testWords[0];
    expect(ins.layerNames).toEqual(['encoder (letters)', 'decoder (phonemes)']);
    expect(ins.layerStepLabels).toEqual([[...w.word], ['▶', ...w.phonemes]]);
    expect(ins.hidden.map((h) => h.length)).toEqual([w.word.length * 64, (w.phonemes.length + 1) * 64]);
    expect(ins.gates[1].names).toEqual(['r', 'z', 'n']);
    const g = await r.trainStep(true);
    expect(g.stepGradNorms!.map((n) => n.length)).toEqual([12, (r.task as G2pTask).phonemeSteps]);
    r.dispose();
  });

  it('the attention weights shown are the model\'s: rows sum to 1 and equal the attention layer\'s output for the word; the rows are the greedy phonemes', async () => {
    const r = Run.fresh(cpu, data, { ...g2p, cell: 'lstm', units: 8 }, train);
    await losses(r, 5);
    const p = await r.pronounce('table');
    const L = 5;
    const R = p.rows.length;
    expect(p.attention.length).toBe(R * L);
    for (let i = 0; i < R; i++) expect(p.attention.subarray(i * L, (i + 1) * L).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    // A functional model over the trained layers (the library's public API), whose outputs are the
    // attention layer's weights and the next-phoneme probabilities, fed the same word and phonemes.
    const m = r.model;
    const get = (n: string) => m.layers.find((l) => l.name === n)!;
    const src = input({ shape: [null], dtype: 'int32' });
    const prev = input({ shape: [null], dtype: 'int32' });
    const [enc, ...st] = get('encoder').apply(get('letter_embedding').apply(src)) as SymbolicTensor[];
    const [out] = get('decoder').apply(get('phoneme_embedding').apply(prev), { initialState: st }) as SymbolicTensor[];
    const [, weights] = get('attention').apply([out, enc]) as SymbolicTensor[];
    const check = libModel({ inputs: [src, prev], outputs: weights, backend: m.engine });
    const tokens = [1, ...libData.phonemeTokens(p.greedy)];
    const x = [
      { data: Float32Array.from(libData.letterTokens('table')), shape: [1, L] },
      { data: Float32Array.from(tokens), shape: [1, tokens.length] },
    ];
    const wts = (await check.predict(x)) as { data: Float32Array };
    expect(Array.from(p.attention)).toEqual(Array.from(wts.data));
    // Row r is the step that wrote rows[r]: the training model, teacher-forced on the greedy phonemes, ranks it first.
    const probs = (await (m as Functional).predict(x)) as { data: Float32Array; shape: number[] };
    const V = probs.shape[2];
    const best = Array.from({ length: R }, (_, i) => libData.argmax(probs.data.subarray(i * V, (i + 1) * V)));
    expect(best).toEqual([...libData.phonemeTokens(p.greedy), libData.G2P_END]);
    r.dispose();
  });

  it('a g2p run moved through a playground file continues exactly; the file loads in Node with loadModel', async () => {
    const cfg: ModelConfig = { ...g2p, cell: 'lstm', units: 8 };
    const whole = Run.fresh(cpu, data, cfg, train);
    const expected = await losses(whole, 6);
    const first = Run.fresh(cpu, data, cfg, train);
    const before = await losses(first, 3);
    const text = await saveRun(first, []);
    first.dispose();
    const { run: moved } = await loadRun(cpu, data, asFile(text), { batchSize: 99 });
    expect([moved.step, moved.config, moved.trainConfig]).toEqual([3, cfg, train]);
    expect([...before, ...(await losses(moved, 3))]).toEqual(expected);
    expect((await moved.pronounce('table')).greedy).toEqual((await whole.pronounce('table')).greedy);
    // The "model" part is the library's format: loadModel reads it (a functional model).
    const file = JSON.parse(text) as PlaygroundFile;
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(file.model.modelJson));
    writeFileSync(join(dir, file.model.modelJson.weights.path), Buffer.from(file.model.weights, 'base64'));
    writeFileSync(join(dir, file.model.modelJson.training!.optimizer!.path), Buffer.from(file.model.optimizer!, 'base64'));
    const node = await loadModel(dir, { backend: createCpuBackend() });
    expect(node.optimizer?.iterations).toBe(3);
    expect(seq2seqShapeOf(node)).toMatchObject({ cell: 'lstm', units: 8 });
    // And the library's files (model.save in Node) load through the playground's path, recognised as g2p.
    const files = readdirSync(dir).map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
    const { run: inferred, inferred: was } = await loadRun(cpu, data, files, { batchSize: 8 });
    expect([was, inferred.config.task, inferred.step]).toEqual([true, 'g2p', 3]);
    const engine = moved.model.engine;
    for (const x of [whole, moved, inferred]) x.dispose();
    node.dispose();
    expect(engine.memory().tensors).toBe(0);
  });
});

describe('your own words', () => {
  const text = Array.from({ length: 60 }, (_, i) => `wort${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i * 7) % 26))}`).join(' ');
  const model: ModelConfig = { task: 'generate', cell: 'gru', units: 6, layers: 1, seqLen: 10, seed: 2 };

  it('the generation task trains on pasted words, which travel with the saved run; too few words change nothing', async () => {
    const words = splitWords(`${text}, don't. 42`);
    expect(words).toContain('worta' + 'a');
    const a = new TrainerService(createCpuBackend(), data, async () => {});
    await a.init(model, train);
    const info = await a.useWords(words, model, train);
    expect(info.blurb).toMatch(/your words; .* training words/);
    await a.train(3, false);
    const file = await a.exportFile([]);
    expect((JSON.parse(file) as PlaygroundFile).playground.words).toEqual(words);
    const b = new TrainerService(createCpuBackend(), data, async () => {});
    await b.init(model, train);
    const loaded = await b.load(asFile(file), { batchSize: 8 });
    expect(loaded.words).toEqual(words);
    expect(loaded.blurb).toBe(info.blurb);
    const names = await b.sample(20, 0.8, 1, '');
    expect(names).toHaveLength(20);
    // Too few usable words: refused, and the run on the words stays.
    await expect(a.useWords(['one', 'two'], model, train)).rejects.toThrow(/gives 2 usable words .* it needs at least 20/);
    expect((await a.train(1, false))[0].step).toBe(4);
    // A file saved on the name lists loads as names, not as the words of the run it replaces.
    const c = new TrainerService(createCpuBackend(), data, async () => {});
    await c.init(model, train);
    const namesFile = await c.exportFile([]);
    const back = await a.load(asFile(namesFile), { batchSize: 8 });
    expect(back.words).toBeUndefined();
    expect(back.blurb).toMatch(/training names/);
    for (const s of [a, b, c]) await s.dispose();
  });
});

describe('the library format both ways', () => {
  it('a playground save loads in Node with loadModel and predicts the same', async () => {
    const model: ModelConfig = { task: 'weather', cell: 'gru', units: 5, layers: 2, seqLen: 6, seed: 9 };
    const run = Run.fresh(cpu, data, model, train);
    await losses(run, 4);
    const file = JSON.parse(await saveRun(run, [])) as PlaygroundFile;
    expect(file.format).toBe(FILE_FORMAT);
    // The "model" part is the library's files: write them out and load the directory.
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(file.model.modelJson));
    writeFileSync(join(dir, file.model.modelJson.weights.path), Buffer.from(file.model.weights, 'base64'));
    writeFileSync(join(dir, file.model.modelJson.training!.optimizer!.path), Buffer.from(file.model.optimizer!, 'base64'));
    const node = await loadModel(dir, { backend: createCpuBackend() });
    const { x } = toInputs(run.task, run.task.validation);
    const a = await (run.model as Sequential).predict(x as HostTensor, { batchSize: 256 });
    const b = await (node as Sequential).predict(x as HostTensor, { batchSize: 256 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(node.optimizer?.iterations).toBe(4);
    node.dispose();
    run.dispose();
  });

  it('a model saved in Node with model.save loads through the playground load path and trains on', async () => {
    const task = createTask('adding', 10, data);
    const model = buildModel(createCpuBackend(), task, { task: 'adding', cell: 'lstm', units: 7, layers: 1, seqLen: 10, seed: 4 }) as Sequential;
    compileModel(model, task, { optimizer: 'rmsprop', learningRate: 0.003, batchSize: 16, clipNorm: 0.5 });
    const { x: xs, y } = toInputs(task, task.validation);
    const x = xs as HostTensor;
    await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    const dir = tmp();
    await model.save(dir);
    const files = readdirSync(dir).map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
    expect(files.map((f) => f.name).filter((n) => n.endsWith('.json'))).toEqual(['model.json']);
    expect(files).toHaveLength(3);
    const { run, inferred } = await loadRun(cpu, data, files, { batchSize: 16 });
    expect(inferred).toBe(true);
    expect(run.config).toMatchObject({ task: 'adding', cell: 'lstm', units: 7, layers: 1, seed: 4 });
    expect(run.trainConfig).toEqual({ optimizer: 'rmsprop', learningRate: 0.003, batchSize: 16, clipNorm: 0.5 });
    expect(run.step).toBe(4);
    const a = await model.predict(x, { batchSize: 256 });
    const b = await (run.model as Sequential).predict(x, { batchSize: 256 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Number.isFinite((await run.trainStep()).loss)).toBe(true);
    model.dispose();
    run.dispose();
  });
});

describe('hostile files', () => {
  const model: ModelConfig = { task: 'names', cell: 'lstm', units: 4, layers: 1, seqLen: 8, seed: 3 };
  const g2pModel: ModelConfig = { task: 'g2p', cell: 'gru', units: 4, layers: 1, seqLen: 12, seed: 3 };
  const good: Partial<Record<'names' | 'g2p', PlaygroundFile>> = {};
  type Edit = (f: PlaygroundFile & Record<string, unknown>) => void;
  const edited = async (edit: Edit, base: 'names' | 'g2p' = 'names'): Promise<string> => {
    if (!good[base]) {
      const r = Run.fresh(cpu, data, base === 'names' ? model : g2pModel, train);
      await losses(r, 2);
      good[base] = JSON.parse(await saveRun(r, [{ step: 1, loss: 0.7 }]));
      r.dispose();
    }
    const f = structuredClone(good[base]!) as PlaygroundFile & Record<string, unknown>;
    edit(f);
    return JSON.stringify(f);
  };
  type LayerJson = { className: string; config: Record<string, unknown> };
  const g2pLayer = (f: PlaygroundFile, name: string): LayerJson => (f.model.modelJson.model.layers as LayerJson[]).find((l) => l.config.name === name)!;
  const cases: [string, Edit, RegExp, ('names' | 'g2p')?][] = [
    ['task set to constructor', (f) => ((f.playground as { task: string }).task = 'constructor'), /playground\.task is 'constructor'; wanted one of names, generate, weather, adding/],
    ['task set to markup', (f) => ((f.playground as { task: string }).task = '<img src=x onerror=alert(1)>'), /playground\.task is '<img src=x/],
    ['batch size 0', (f) => (f.playground.batchSize = 0), /playground\.batchSize is 0; wanted an integer in \[1, 256\]/],
    ['sequence length 1e9', (f) => (f.playground.seqLen = 1e9), /playground\.seqLen is 1000000000; wanted an integer in \[4, 15\]/],
    ['a batch generator of zeros', (f) => (f.playground.batches = { s: [0, 0, 0, 0], spare: null }), /playground\.batches is not a batch-generator state/],
    ['the cell set to markup', (f) => (f.model.modelJson.model.layers[0].className = '<b>LSTM</b>'), /<b>LSTM<\/b>/],
    ['units 99999999', (f) => (f.model.modelJson.model.layers[0].config.units = 99999999), /a layer has 99999999 units; the playground takes at most 128/],
    ['learning rate -5', (f) => (f.model.modelJson.training!.optimizer!.config.learningRate = -5), /learningRate|learning rate/],
    ['damaged weights', (f) => (f.model.weights = f.model.weights.slice(0, 40)), /weights/],
    ['weights that are not base64', (f) => (f.model.weights = '!!!'), /model\.weights is not valid base64/],
    ['words that are not a list of words', (f) => ((f.playground as { words?: unknown }).words = [{}]), /playground\.words must be a list of at most 20000 words/],
    ['an old playground format', (f) => (f.format = 'recurrent-playground/1' as typeof FILE_FORMAT), /older playground/],
    ['a names model labelled g2p', (f) => Object.assign(f.playground, { task: 'g2p', seqLen: 12 }), /not a playground model for the g2p task: it is not a functional model/],
    ['a g2p model labelled names', (f) => Object.assign(f.playground, { task: 'names', seqLen: 8 }), /not a playground model for the names task: it is not a sequential model/, 'g2p'],
    ['a g2p embedding of 1e9 tokens', (f) => (g2pLayer(f, 'letter_embedding').config.inputDim = 1e9), /an embedding has inputDim 1000000000; the playground's are at most 256/, 'g2p'],
    ['a g2p attention that does not return its weights', (f) => (g2pLayer(f, 'attention').config.returnAttentionScores = false), /attention layer does not return its weights/, 'g2p'],
    ['a g2p decoder of another cell', (f) => (g2pLayer(f, 'decoder').className = 'LSTM'), /decoder: unknown option "resetAfter"/, 'g2p'],
    ['a g2p model with 200 units', (f) => (g2pLayer(f, 'encoder').config.units = 200), /a layer has 200 units; the playground takes at most 128/, 'g2p'],
  ];
  for (const [name, edit, message, base] of cases)
    it(`${name}: a clear message, and the current run keeps its model, step and optimizer`, async () => {
      const text = await edited(edit, base);
      const service = new TrainerService(createCpuBackend(), data, async () => {});
      await service.init(model, train);
      await service.train(2, false);
      const before = (await service.train(1, false))[0];
      const err = await service.load(asFile(text), { batchSize: 8 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err, name).toBeInstanceOf(Error);
      expect(err!.message).toMatch(message);
      if (process.env.SHOW_MESSAGES) console.log(`${name}: ${err!.message}`);
      expect((err as ModelFormatError).code, err!.message).toBeTypeOf('string');
      // Nothing applied: the run trains on from where it was.
      const after = (await service.train(1, false))[0];
      expect(after.step).toBe(before.step + 1);
      expect(Number.isFinite(after.loss)).toBe(true);
      await service.dispose();
    });

  it('a "__proto__" key in the playground part is an own key and supplies nothing', async () => {
    const text = await edited((f) => Object.defineProperty(f.playground, '__proto__', { value: { task: 'adding', seqLen: 50 }, enumerable: true }));
    expect(text).toContain('"__proto__":{"task":"adding"');
    const { run } = await loadRun(cpu, data, asFile(text), { batchSize: 8 });
    expect(run.config).toMatchObject({ task: 'names', seqLen: 8 });
    expect(({} as Record<string, unknown>).task).toBeUndefined();
    run.dispose();
  });

  it('text that is not a model, or two JSON files, is refused with a reason', async () => {
    await expect(loadRun(cpu, data, asFile('{"hello": 1}', 'notes.json'), { batchSize: 8 })).rejects.toThrow(ModelFormatError);
    await expect(loadRun(cpu, data, asFile('{"hello": 1}', 'notes.json'), { batchSize: 8 })).rejects.toThrow(/its format is undefined; wanted recurrent-playground\/2/);
    await expect(loadRun(cpu, data, asFile('not json', 'x.json'), { batchSize: 8 })).rejects.toThrow(/x\.json: it is not valid JSON/);
    await expect(loadRun(cpu, data, [...asFile('{}', 'a.json'), ...asFile('{}', 'b.json')], { batchSize: 8 })).rejects.toThrow(/choose one \.json file/);
  });
});

describe('configuration in the URL', () => {
  it('round-trips and reports values it ignores', () => {
    const c = { ...DEFAULT_CONFIG, task: 'adding' as const, seqLen: 77, cell: 'gru' as const, learningRate: 0.003, backend: 'webgl' as const };
    expect(configFromQuery(configToQuery(c))).toEqual({ config: c, problems: [] });
    const bad = configFromQuery('task=adding&units=0&cell=tree&seq=500&lr=abc&seed=4294967296');
    expect(bad.config).toEqual({ ...DEFAULT_CONFIG, task: 'adding', seqLen: 30 });
    expect(bad.problems).toEqual([
      'cell=tree is not one of simpleRnn, lstm, gru',
      'units=0 is not an integer in [2, 128]',
      'seq=500 is not an integer in [5, 200]',
      'seed=4294967296 is not an integer in [0, 2147483647]',
      'lr=abc is not a number in [0.00001, 1]',
    ]);
  });

  it('the seed box takes only what a link carries, and says so', () => {
    expect(checkSeed('7')).toBe(7);
    expect(checkSeed('2147483647')).toBe(2147483647);
    for (const v of ['4294967296', '2.5', '1e30', '-1', ''])
      expect(checkSeed(v)).toMatch(/^The seed must be an integer from 0 to 2147483647 \(what a shared link carries\)/);
  });
});

describe('chart ranges', () => {
  it('a percentage metric stuck at 0 spans 0-100%, not ±10000%', () => {
    expect(linearRange(0, 0, [0, 1])).toEqual([0, 1]);
    expect(linearRange(0, 0)).toEqual([-1, 1]);
    expect(linearRange(2, 4)).toEqual([1.8, 4.2]);
    expect(linearRange(null, null)).toEqual([0, 1]);
  });

  it('a loss axis keeps a drawable range (and labels) when the loss is Infinity or missing', () => {
    expect(logRange(0.03, 2)).toEqual([0.01, 10]);
    expect(logRange(0.5, Number.POSITIVE_INFINITY)).toEqual([0.01, 10]);
    expect(logRange(null, null)).toEqual([0.01, 10]);
    expect(logRange(1, 1)).toEqual([1, 10]);
  });
});
