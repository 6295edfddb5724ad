/**
 * The functional API: input(), layer.apply and model({ inputs, outputs }). Gradients (state
 * passing encoder -> decoder, every small layer, shared layers, masks) against float64 central
 * differences on core's reference backend, read off one SGD step with learning rate 1 as in
 * gradients.test.ts; equivalence with sequential; several inputs and outputs; save/load and
 * resume; toBackend; inspect; typed errors.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError, ShapeError } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallContext,
  type Functional,
  type HostTensor,
  input,
  inspect,
  Layer,
  type LayerActivation,
  type LayerClassName,
  type LayersModel,
  layers,
  loadModel,
  model,
  type ModelData,
  optimizers,
  sequential,
  type SymbolicTensor,
} from '../src/index.js';
import { checkGradients, expectClose, hostTensor, randomValues } from './helpers.js';

type Loss = string | { name: string; fromLogits?: boolean } | string[];

/** d loss / d every weight of the model `build(backend)` makes against central differences; every weight must get a gradient. */
const gradCheck = (build: (backend: ReturnType<typeof createReferenceBackend>) => LayersModel, x: ModelData, y: ModelData, loss: Loss, seed = 5) =>
  checkGradients(() => build(createReferenceBackend()), loss, x, y, seed, true);

const B = 3;
const T = 4;
const S = 3;
const D = 2;
const seq = (seed: number, t = T, d = D, b = B) => hostTensor(randomValues(seed, b * t * d), [b, t, d]);
const targets = (seed: number, shape: number[]) => hostTensor(randomValues(seed, shape.reduce((a, c) => a * c, 1)), shape);
const labels = (n: number, k: number, shape: number[]) => hostTensor(Array.from({ length: n }, (_, i) => (i * 7 + 3) % k), shape);
const withMask = (x: HostTensor, valid: number[]): HostTensor => ({ ...x, mask: Uint8Array.from(valid) });
const POST = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
const HOLES = [0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0];
const list = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor[];
const one = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor;

/** The teacher-forced encoder-decoder of the README: the encoder's final [h, c] start the decoder. */
function seq2seq(backend: ReturnType<typeof createReferenceBackend> | ReturnType<typeof createCpuBackend>, opts: { units?: number; classes?: number; seed?: number } = {}): Functional {
  const units = opts.units ?? 2;
  const encIn = input({ shape: [null, D], name: 'encoder_in' });
  const decIn = input({ shape: [null, D], name: 'decoder_in' });
  const [, h, c] = list(layers.lstm({ units, returnState: true, name: 'encoder' }).apply(encIn));
  const decSeq = one(layers.lstm({ units, returnSequences: true, name: 'decoder' }).apply(decIn, { initialState: [h, c] }));
  const out = one(layers.dense({ units: opts.classes ?? 3, activation: 'softmax', name: 'out' }).apply(decSeq));
  return model({ inputs: [encIn, decIn], outputs: out, backend, seed: opts.seed ?? 3 });
}

describe('functional: gradient checks (float64 finite differences)', () => {
  it('encoder final [h, c] -> decoder initialState, teacher forced (lstm), softmax, sparse labels per step', () =>
    gradCheck((b) => seq2seq(b), [seq(1, S), seq(2)], labels(B * T, 3, [B, T]), 'sparseCategoricalCrossentropy'));

  it('gru encoder state -> gru decoder, masked encoder input (holes) and decoder input (post-padding)', () =>
    gradCheck(
      (backend) => {
        const e = input({ shape: [null, D] });
        const d = input({ shape: [null, D] });
        const [, h] = list(layers.gru({ units: 2, returnState: true }).apply(e));
        const y = one(layers.gru({ units: 2, returnSequences: true }).apply(d, { initialState: [h] }));
        return model({ inputs: [e, d], outputs: one(layers.dense({ units: 1 }).apply(y)), backend, seed: 3 });
      },
      [withMask(seq(3), HOLES), withMask(seq(4), POST)],
      targets(5, [B, T, 1]),
      'mse',
    ));

  it('bidirectional encoder states [hf, cf, hb, cb] -> bidirectional decoder initialState', () =>
    gradCheck(
      (backend) => {
        const e = input({ shape: [null, D] });
        const [, ...states] = list(layers.bidirectional({ layer: layers.lstm({ units: 2, returnState: true }) }).apply(e));
        const y = one(layers.bidirectional({ layer: layers.lstm({ units: 2 }) }).apply(e, { initialState: states }));
        return model({ inputs: e, outputs: one(layers.dense({ units: 1 }).apply(y)), backend, seed: 3 });
      },
      seq(6),
      targets(7, [B, 1]),
      'mse',
    ));

  it('repeatVector: the encoder output repeated as the decoder input', () =>
    gradCheck(
      (backend) => {
        const x = input({ shape: [null, D] });
        const v = one(layers.simpleRNN({ units: 2 }).apply(x));
        const r = one(layers.repeatVector({ n: T }).apply(v));
        const y = one(layers.lstm({ units: 2, returnSequences: true }).apply(r));
        return model({ inputs: x, outputs: one(layers.dense({ units: 1 }).apply(y)), backend, seed: 3 });
      },
      seq(8, S),
      targets(9, [B, T, 1]),
      'mse',
    ));

  it('Luong dot attention from small layers: dot (axes 2), softmax over the last axis, dot (axes [2, 1]), concatenate', () =>
    gradCheck(
      (backend) => {
        const e = input({ shape: [S, D] });
        const d = input({ shape: [T, D] });
        const enc = one(layers.gru({ units: 2, returnSequences: true }).apply(e));
        const dec = one(layers.gru({ units: 2, returnSequences: true }).apply(d));
        const scores = one(layers.dot({ axes: 2 }).apply([dec, enc]));
        const weights = one(layers.activation({ activation: 'softmax' }).apply(scores));
        const context = one(layers.dot({ axes: [2, 1] }).apply([weights, enc]));
        const joined = one(layers.concatenate().apply([context, dec]));
        return model({ inputs: [e, d], outputs: one(layers.dense({ units: 3, activation: 'softmax' }).apply(joined)), backend, seed: 3 });
      },
      [seq(10, S), seq(11)],
      labels(B * T, 3, [B, T]),
      'sparseCategoricalCrossentropy',
    ));

  it('dot with normalize (cosine similarity) on vectors; add (a residual); one lstm shared by both inputs (gradients summed)', () =>
    gradCheck(
      (backend) => {
        const a = input({ shape: [null, D] });
        const b = input({ shape: [null, D] });
        const shared = layers.lstm({ units: 3, name: 'shared' });
        const va = one(shared.apply(a));
        const vb = one(shared.apply(b));
        const cos = one(layers.dot({ axes: 1, normalize: true }).apply([va, vb]));
        const res = one(layers.add().apply([va, one(layers.dense({ units: 3, activation: 'tanh' }).apply(vb))]));
        const both = one(layers.concatenate().apply([cos, res]));
        return model({ inputs: [a, b], outputs: one(layers.dense({ units: 1 }).apply(both)), backend, seed: 3 });
      },
      [seq(12), seq(13)],
      targets(14, [B, 1]),
      'mse',
    ));

  it('softmax over the steps axis (activation axis 1), permute, flatten, concatenate on axis 1', () =>
    gradCheck(
      (backend) => {
        const x = input({ shape: [T, D] });
        const h = one(layers.simpleRNN({ units: 2, returnSequences: true }).apply(x));
        const attn = one(layers.activation({ activation: 'softmax', axis: 1 }).apply(h));
        const p = one(layers.permute({ dims: [2, 1] }).apply(attn));
        const cat = one(layers.concatenate({ axis: 1 }).apply([p, one(layers.permute({ dims: [2, 1] }).apply(x))]));
        const f = one(layers.flatten().apply(cat));
        return model({ inputs: x, outputs: one(layers.dense({ units: 2, activation: 'sigmoid' }).apply(f)), backend, seed: 3 });
      },
      seq(15),
      hostTensor(randomValues(16, B * 2).map((v) => (v > 0 ? 1 : 0)), [B, 2]),
      'binaryCrossentropy',
    ));

  it('two outputs with a loss each; the same tensor read by two layers (gradients summed)', () =>
    gradCheck(
      (backend) => {
        const x = input({ shape: [null, D] });
        const [seqOut, h] = list(layers.gru({ units: 2, returnSequences: true, returnState: true }).apply(x));
        const perStep = one(layers.dense({ units: 1, name: 'per_step' }).apply(seqOut));
        const last = one(layers.dense({ units: 2, activation: 'softmax', name: 'last' }).apply(h));
        return model({ inputs: x, outputs: [perStep, last], backend, seed: 3 });
      },
      seq(17),
      [targets(18, [B, T, 1]), labels(B, 2, [B])],
      ['mse', 'sparseCategoricalCrossentropy'],
    ));

  it('int32 token input -> embedding (maskZero) -> encoder state -> decoder on a second token input', () =>
    gradCheck(
      (backend) => {
        const src = input({ shape: [null], dtype: 'int32', name: 'src' });
        const tgt = input({ shape: [null], dtype: 'int32', name: 'tgt' });
        const [, h] = list(layers.gru({ units: 2, returnState: true }).apply(one(layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(src))));
        const d = one(layers.gru({ units: 2, returnSequences: true }).apply(one(layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(tgt)), { initialState: [h] }));
        return model({ inputs: [src, tgt], outputs: one(layers.dense({ units: 3, activation: 'softmax' }).apply(d)), backend, seed: 3 });
      },
      [hostTensor([1, 2, 4, 0, 3, 3, 0, 0, 0, 2, 1, 4], [B, T]), hostTensor([2, 3, 0, 0, 1, 1, 1, 0, 4, 2, 3, 1], [B, T])],
      labels(B * T, 3, [B, T]),
      'sparseCategoricalCrossentropy',
    ));

  it('masks pass through concatenate and add to a sequence loss (masked steps count nothing)', () =>
    gradCheck(
      (backend) => {
        const x = input({ shape: [null, D] });
        const m = one(layers.masking().apply(x));
        const a = one(layers.simpleRNN({ units: 2, returnSequences: true }).apply(m));
        const b = one(layers.gru({ units: 2, returnSequences: true }).apply(m));
        const s = one(layers.add().apply([a, b]));
        const c = one(layers.concatenate().apply([s, a]));
        return model({ inputs: x, outputs: one(layers.dense({ units: 1 }).apply(c)), backend, seed: 3 });
      },
      (() => {
        const x = seq(19);
        for (const r of [6, 7, 9, 10, 11]) for (let d = 0; d < D; d++) x.data[r * D + d] = 0;
        return x;
      })(),
      targets(20, [B, T, 1]),
      'mse',
    ));
});

/** The README's custom layer, with a weight: y = x * w (one scale per feature). */
class Scale extends Layer {
  readonly className = 'Scale' as LayerClassName;
  constructor() {
    super({}, 'scale');
  }
  computeOutputShape(s: (number | null)[]) {
    return s;
  }
  weightSpecs(s: (number | null)[]) {
    const F = s[s.length - 1] as number;
    return [{ name: 'w', shape: [F], init: () => new Float64Array(F).fill(1) }];
  }
  call(ctx: CallContext, x: LayerActivation) {
    const { e } = ctx;
    const w = this.params[0].value;
    const F = w.shape[0];
    const x2 = x.t.reshape([x.t.size / F, F]);
    return {
      out: { t: e.mul(x2, w).reshape(x.t.shape), mask: x.mask },
      backward: (dy: Parameters<typeof e.mul>[0]) => {
        const d2 = dy.reshape([dy.size / F, F]);
        return { dx: e.mul(d2, w).reshape(x.t.shape), grads: [e.sumBatch(e.mul(d2, x2))] };
      },
    };
  }
  getConfig() {
    return { name: this.name };
  }
}

describe('functional: a custom layer', () => {
  it('trains in a functional and a sequential model (gradients checked); save refuses it with a ConfigError', async () => {
    await gradCheck(
      (backend) => {
        const x = input({ shape: [null, D] });
        const h = one(layers.simpleRNN({ units: 2, returnSequences: true }).apply(one(new Scale().apply(x))));
        return model({ inputs: x, outputs: one(layers.dense({ units: 1 }).apply(h)), backend, seed: 3 });
      },
      withMask(seq(40), POST),
      targets(41, [B, T, 1]),
      'mse',
    );
    await gradCheck((backend) => sequential({ backend, seed: 3 }, [layers.gru({ units: 2, inputShape: [null, D] }), new Scale()]), seq(42), targets(43, [B, 2]), 'mse');
    const m = sequential({ backend: createCpuBackend() }, [new Scale(), layers.dense({ units: 1 })]);
    m.build([D]);
    await expect(m.save({ description: 'nowhere', save: async () => {} })).rejects.toThrow(/layer 'scale' is a custom Scale layer/);
  });
});

describe('functional models', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a chain built with apply is the same model as sequential: weights, predictions, fit losses bit for bit', async () => {
    const mk = () => [layers.lstm({ units: 4, returnSequences: true, name: 'l1' }), layers.gru({ units: 3, name: 'l2' }), layers.dense({ units: 1, name: 'd' })];
    const s = sequential({ backend: createCpuBackend(), seed: 9 }, [layers.masking({ inputShape: [null, D], name: 'm' }), ...mk()]);
    const x = input({ shape: [null, D] });
    let t = one(layers.masking({ name: 'm' }).apply(x));
    for (const l of mk()) t = one(l.apply(t));
    const f = model({ inputs: x, outputs: t, backend: createCpuBackend(), seed: 9 });
    const data = withMask(seq(21, T, D, 6), [...POST, ...HOLES]);
    const y = targets(22, [6, 1]);
    expect((await f.getWeights()).map((w) => Array.from(w.data))).toEqual((await s.getWeights()).map((w) => Array.from(w.data)));
    expect(Array.from(((await f.predict(data)) as { data: Float32Array }).data)).toEqual(Array.from((await s.predict(data)).data));
    for (const m of [s, f]) m.compile({ loss: 'mse', optimizer: 'adam', metrics: ['mae'] });
    const [hs, hf] = [await s.fit(data, y, { epochs: 3, batchSize: 4, verbose: 0 }), await f.fit(data, y, { epochs: 3, batchSize: 4, verbose: 0 })];
    expect(hf.history).toEqual(hs.history);
    expect(await f.evaluate(data, y)).toEqual(await s.evaluate(data, y));
  });

  it('several inputs and outputs: lists or objects by name; losses by output name; Keras log keys', async () => {
    const a = input({ shape: [null, D], name: 'a' });
    const b = input({ shape: [3], name: 'b' });
    const h = one(layers.gru({ units: 4 }).apply(a));
    const j = one(layers.concatenate().apply([h, b]));
    const reg = one(layers.dense({ units: 1, name: 'reg' }).apply(j));
    const cls = one(layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(j));
    const m = model({ inputs: [a, b], outputs: [reg, cls], backend: createCpuBackend(), seed: 1 });
    expect(m.outputNames).toEqual(['reg', 'cls']);
    m.compile({ loss: { cls: 'sparseCategoricalCrossentropy', reg: 'mse' }, optimizer: 'adam', metrics: ['accuracy'] });
    const xa = seq(23, T, D, 8);
    const xb = targets(24, [8, 3]);
    const yr = targets(25, [8, 1]);
    const yc = labels(8, 2, [8]);
    const h1 = await m.fit({ a: xa, b: xb }, { reg: yr, cls: yc }, { epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.25 });
    const keys = ['cls_accuracy', 'cls_loss', 'loss', 'reg_accuracy', 'reg_loss'];
    expect(Object.keys(h1.history).sort()).toEqual([...keys, ...keys.map((k) => `val_${k}`)]);
    expect(h1.params.samples).toBe(6);
    const e = await m.evaluate([xa, xb], [yr, yc]);
    expectClose([e.loss], [e.reg_loss + e.cls_loss], 1e-6, 1e-6, 'loss = sum of the output losses');
    const p = (await m.predict([xa, xb])) as { shape: number[] }[];
    expect(p.map((q) => q.shape)).toEqual([
      [8, 1],
      [8, 2],
    ]);
    expect(m.summary(null)).toMatch(/Connected to[\s\S]*concatenate \(Concatenate\)\s+\[null, 7\]\s+0\s+gru, b/);
    m.dispose();
  });

  it('save and load round trip (loadModel returns the functional model), then training resumes identically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'functional-'));
    dirs.push(dir);
    const m = seq2seq(createCpuBackend(), { units: 4, seed: 11 });
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const x = [seq(26, S, D, 8), seq(27, T, D, 8)];
    const y = labels(8 * T, 3, [8, T]);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    await m.save(join(dir, 'm'));
    const l = await loadModel<Functional>(join(dir, 'm'), { backend: createCpuBackend() });
    expect(l.constructor.name).toBe('Functional');
    expect(l.outputNames).toEqual(m.outputNames);
    expect(Array.from(((await l.predict(x)) as HostTensor).data)).toEqual(Array.from(((await m.predict(x)) as HostTensor).data));
    expect(l.epochsTrained).toBe(2);
    const [hl, hm] = [await l.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 4, verbose: 0 }), await m.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 4, verbose: 0 })];
    expect(hl.history).toEqual(hm.history);
    expect((await l.getWeights()).map((w) => Array.from(w.data))).toEqual((await m.getWeights()).map((w) => Array.from(w.data)));
    expect(l.summary(null)).toBe(m.summary(null));
  });

  it('a saved graph is validated: a node reading a later node or an unknown layer is a ModelFormatError', async () => {
    const m = seq2seq(createCpuBackend());
    const { modelToArtifacts } = await import('../src/model/serialize.js');
    const { artifactsToModel } = await import('../src/load.js');
    const good = await modelToArtifacts(m, false);
    const bad = (f: (j: { nodes: { layer: string; inputs: unknown[] }[] }) => void) => {
      const a = structuredClone(good);
      f(a.modelJson.model as never);
      return () => artifactsToModel(a, createCpuBackend(), 'test');
    };
    const { parseModelJson } = await import('../src/io/format.js');
    const parse = (f: (j: { nodes: { layer: string; inputs: unknown[] }[] }) => void) => {
      const j = structuredClone(good.modelJson);
      f(j.model as never);
      return () => parseModelJson('test', j);
    };
    expect(parse((j) => (j.nodes[0].inputs = [{ node: 2, output: 0 }]))).toThrow(/reads node 2; a node reads only earlier nodes/);
    expect(parse((j) => (j.nodes[1].layer = 'nope'))).toThrow(/is no layer of the file/);
    expect(parse((j) => (j.nodes[0].inputs = [{ input: '__proto__' }]))).toThrow(/no input named/);
    expect(bad((j) => (j.nodes[1].inputs = [{ node: 0, output: 0 }]))).toThrow(/does not fit its layers/);
    expect(artifactsToModel(good, createCpuBackend(), 'test').outputNames).toEqual(['out']);
  });

  it('toBackend moves a functional model; inspect (method and function) sees the encoder and decoder', async () => {
    const m = seq2seq(createCpuBackend(), { units: 3 });
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const x = [seq(28, S), seq(29)];
    const y = labels(B * T, 3, [B, T]);
    const before = Array.from(((await m.predict(x)) as HostTensor).data);
    await m.toBackend(createReferenceBackend());
    expectClose(((await m.predict(x)) as HostTensor).data, before, 1e-6, 1e-5, 'predictions after toBackend');
    const r = await m.inspect(x, y);
    expect(r.layers.map((l) => l.layer)).toEqual(['encoder', 'decoder']);
    expect(r.layers[1].gradNorm?.[0].every((v) => v !== null && v > 0)).toBe(true);
    expect((await inspect(m, x as never, y)).loss).toBe(r.loss);
  });

  it('memory stays flat over many fits and predicts', async () => {
    const m = seq2seq(createCpuBackend(), { units: 3 });
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const x = [seq(30, S), seq(31)];
    const y = labels(B * T, 3, [B, T]);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const n = m.engine.memory().tensors;
    for (let i = 0; i < 3; i++) {
      await m.fit(x, y, { epochs: 1, verbose: 0 });
      await m.predict(x);
      await m.evaluate(x, y);
    }
    expect(m.engine.memory().tensors).toBe(n);
  });

  it('an inference encoder and decoder built from the trained layers share their weights', async () => {
    const backend = createCpuBackend();
    const encIn = input({ shape: [null, D] });
    const decIn = input({ shape: [null, D] });
    const encoder = layers.lstm({ units: 3, returnState: true });
    const decoder = layers.lstm({ units: 3, returnSequences: true, returnState: true });
    const head = layers.dense({ units: 2 });
    const [, h, c] = list(encoder.apply(encIn));
    const [decSeq] = list(decoder.apply(decIn, { initialState: [h, c] }));
    const train = model({ inputs: [encIn, decIn], outputs: one(head.apply(decSeq)), backend, seed: 2 });
    const encModel = model({ inputs: encIn, outputs: [h, c], backend: train.engine });
    const hIn = input({ shape: [3] });
    const cIn = input({ shape: [3] });
    const step = input({ shape: [null, D] });
    const [y1, h1, c1] = list(decoder.apply(step, { initialState: [hIn, cIn] }));
    const decModel = model({ inputs: [step, hIn, cIn], outputs: [one(head.apply(y1)), h1, c1], backend: train.engine });
    expect(decModel.countParams()).toBe(train.countParams() - encModel.countParams());
    const xe = seq(32, S);
    const xd = seq(33);
    const full = (await train.predict([xe, xd])) as HostTensor;
    const [hs, cs] = (await encModel.predict(xe)) as HostTensor[];
    const stepwise = (await decModel.predict([xd, hs, cs])) as HostTensor[];
    expectClose(stepwise[0].data, full.data, 1e-6, 1e-5, 'the decoder model reproduces the training model');
  });

  it('a new default-named layer beside a trained layer of the same name is renamed, the trained one keeps its weights', async () => {
    const x = input({ shape: [2] });
    const first = layers.dense({ units: 2 });
    const m1 = model({ inputs: x, outputs: one(first.apply(x)), backend: createCpuBackend(), seed: 1 });
    const y = one(layers.dense({ units: 2 }).apply(x));
    const m2 = model({ inputs: x, outputs: one(first.apply(y)), backend: m1.engine, seed: 2 });
    expect(m2.layers.map((l) => l.name)).toEqual(['dense_1', 'dense']);
    expect((await m2.getWeights()).slice(2)).toEqual(await m1.getWeights());
  });

  it("the README's encoder-decoder runs as written and learns to copy a token sequence (teacher forced)", async () => {
    // 24 sequences of 4 tokens in 1..9; the target is the source; 0 pads, 10 is <start>.
    const rows = Array.from({ length: 24 }, (_, i) => Array.from({ length: 4 }, (_, t) => 1 + ((i * 7 + t * 3 + i * t) % 9)));
    const sourceIds = hostTensor(rows.flat(), [24, 4]);
    const targetInIds = hostTensor(rows.flatMap((r) => [10, ...r.slice(0, 3)]), [24, 4]);
    const targetOutIds = hostTensor(rows.flat(), [24, 4]);
    // From the README (units and vocabulary sized for the test):
    const source = input({ shape: [null], dtype: 'int32', name: 'source' });
    const targetIn = input({ shape: [null], dtype: 'int32', name: 'target_in' });
    const [, h, c] = layers
      .lstm({ units: 32, returnState: true, name: 'encoder' })
      .apply(layers.embedding({ inputDim: 11, outputDim: 8, maskZero: true }).apply(source)) as SymbolicTensor[];
    const decoded = layers
      .lstm({ units: 32, returnSequences: true, name: 'decoder' })
      .apply(layers.embedding({ inputDim: 11, outputDim: 8, maskZero: true }).apply(targetIn), { initialState: [h, c] });
    const next = layers.dense({ units: 11, activation: 'softmax' }).apply(decoded);
    const seq2seq = model({ inputs: [source, targetIn], outputs: next, backend: createCpuBackend(), seed: 1 });
    seq2seq.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.adam({ learningRate: 0.02 }), metrics: ['accuracy'] });
    const hist = await seq2seq.fit([sourceIds, targetInIds], targetOutIds, { epochs: 40, batchSize: 8, verbose: 0 });
    expect(hist.history.loss[39]).toBeLessThan(hist.history.loss[0] / 4);
    expect(hist.history.accuracy[39]).toBeGreaterThan(0.9);
  });

  it('errors name the layer and the fix', () => {
    const a = input({ shape: [null, D], name: 'a' });
    const b = input({ shape: [null, D], name: 'b' });
    const y = one(layers.gru({ units: 2 }).apply(b));
    expect(() => model({ inputs: a, outputs: y, backend: createCpuBackend() })).toThrow(/graph is disconnected: .* depends on input 'b', which is not in inputs/);
    expect(() => model({ inputs: [a, b], outputs: y, backend: createCpuBackend() })).toThrow(/input 'a' is not reachable from any output/);
    const [, h] = list(layers.gru({ units: 3, returnState: true }).apply(a));
    expect(() => layers.lstm({ units: 3, name: 'dec' }).apply(b, { initialState: [h] })).toThrow(ShapeError);
    expect(() => layers.lstm({ units: 3, name: 'dec' }).apply(b, { initialState: [h] })).toThrow(/dec \(initialState\)/);
    expect(() => layers.gru({ units: 4, name: 'dec4' }).apply(b, { initialState: [h] })).toThrow(/dec4 \(initialState\[0\]\)[\s\S]*same number of units/);
    expect(() => layers.dense({ units: 1 }).apply(a, { initialState: [h] })).toThrow(/takes no initialState/);
    expect(() => layers.lstm({ units: 1, inputShape: [null, 3], name: 'l3' }).apply(a)).toThrow(/'l3' was given inputShape \[null, 3\] but is applied to \[null, 2\]/);
    expect(() => layers.concatenate().apply(a)).toThrow(ConfigError);
    expect(() => layers.dense({ units: 1 }).apply([a, b])).toThrow(/takes one input/);
    expect(() => layers.concatenate({ axis: -1 }).apply([a, one(layers.repeatVector({ n: 2 }).apply(one(layers.dense({ units: 2 }).apply(h))))])).not.toThrow();
    expect(() => layers.add().apply([a, one(layers.gru({ units: 3, returnSequences: true }).apply(b))])).toThrow(ShapeError);
    expect(() => layers.dot({ axes: 2 }).apply([a, h])).toThrow(/not an axis/);
    expect(() => layers.embedding({ inputDim: 3, outputDim: 2 }).apply(y)).toThrow(/reads integer indices, so its input must be a model input/);
    expect(() => sequential({ backend: createCpuBackend() }, [layers.add()])).toThrow(/takes several inputs; use it in a functional model/);
    expect(() => layers.dense({ units: 1 }).apply([[1, 2]] as never)).toThrow(/expected symbolic tensors/);
    const m = model({ inputs: [a, b], outputs: [one(layers.add().apply([a, b]))], backend: createCpuBackend() });
    expect(() => m.compile({ loss: ['mse', 'mse'], optimizer: 'sgd' })).toThrow(/2 losses for 1 outputs/);
    m.compile({ loss: 'mse', optimizer: 'sgd' });
    return expect(m.predict([seq(1)])).rejects.toThrow(/the model has 2 inputs/);
  });
});
