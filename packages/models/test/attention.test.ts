/**
 * The attention layers: forward and gradients against PyTorch (test/torch/attention_reference.py
 * writes Keras 3's definitions with torch ops and differentiates them with autograd), float64
 * central differences on core's reference backend, and the option and shape errors.
 * Needs /usr/bin/python3 with torch for the PyTorch part: without it that part is skipped with
 * a printed note, except under CI, where it fails.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { type Backend, ConfigError, createEngine, type Engine, ShapeError, type Tensor } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Functional, type HostTensor, input, layers, loadModel, model, type SymbolicTensor } from '../src/index.js';
import type { Activation } from '../src/layers/layer.js';
import { checkGradients, expectClose, hostTensor, randomValues } from './helpers.js';

interface Flat {
  data: number[];
  shape: number[];
}

interface Case {
  name: string;
  mode: 'dot' | 'additive';
  useScale: boolean;
  q: Flat;
  v: Flat;
  k?: Flat;
  scale?: Flat;
  /** [B*Tv] and [B*Tq], 1 = real step. */
  valueMask?: number[];
  queryMask?: number[];
  causal?: boolean;
  rOut: Flat;
  rW: Flat;
}

const flat = (seed: number, shape: number[], s = 1): Flat => ({ data: randomValues(seed, shape.reduce((a, b) => a * b, 1), s), shape });
const lengths = (ls: number[], T: number) => ls.flatMap((l) => Array.from({ length: T }, (_, t) => (t < l ? 1 : 0)));

function makeCase(name: string, mode: Case['mode'], o: { useScale: boolean; key?: boolean; masks?: boolean; causal?: boolean; B?: number; Tq?: number; Tv?: number; D?: number; Dv?: number }, seed: number): Case {
  const { B = 2, Tq = 3, Tv = 4, D = 3, Dv = o.key ? 2 : D } = o;
  const c: Case = {
    name,
    mode,
    useScale: o.useScale,
    q: flat(seed, [B, Tq, D]),
    v: flat(seed + 1, [B, Tv, Dv]),
    rOut: flat(seed + 3, [B, Tq, Dv]),
    rW: flat(seed + 4, [B, Tq, Tv]),
  };
  if (o.key) c.k = flat(seed + 2, [B, Tv, D]);
  if (o.useScale) c.scale = mode === 'dot' ? { data: [0.7], shape: [] } : flat(seed + 5, [D]);
  if (o.masks) {
    c.valueMask = lengths([Tv, 2], Tv);
    c.queryMask = lengths([Tq, 2], Tq);
  }
  if (o.causal) c.causal = true;
  return c;
}

const CASES: Case[] = [
  makeCase('dot, values as keys', 'dot', { useScale: false }, 10),
  makeCase('dot with a learned scale, separate keys, query and value masks', 'dot', { useScale: true, key: true, masks: true }, 20),
  makeCase('dot, causal mask', 'dot', { useScale: false, causal: true, Tq: 4 }, 30),
  makeCase('additive with its scale vector, value mask, causal', 'additive', { useScale: true, masks: true, causal: true, Tq: 4 }, 40),
  makeCase('additive without scale, separate keys', 'additive', { useScale: false, key: true }, 50),
];

/** The layer on case `c`: output, weights and the backward of loss = sum(out * rOut) + sum(weights * rW). */
function runLayer(backend: Backend, c: Case) {
  const e: Engine = createEngine(backend);
  const opts = { useScale: c.useScale, returnAttentionScores: true, useCausalMask: c.causal === true };
  const layer = c.mode === 'dot' ? layers.attention(opts) : layers.additiveAttention(opts);
  const shapes = [c.q, c.v, ...(c.k ? [c.k] : [])].map((x) => x.shape.slice(1));
  layer.builtInputs = shapes;
  layer.setParams(layer.weightSpecsFor(shapes).map((s) => ({ name: s.name, value: e.tensor(c.scale!.data, s.shape) })));
  const [B, Tq] = c.q.shape;
  const Tv = c.v.shape[1];
  const act = (x: Flat, mask?: number[]): Activation => ({
    t: e.tensor(x.data, x.shape),
    mask: mask ? { B, T: x.shape[1], valid: Uint8Array.from(mask) } : undefined,
  });
  const xs = [act(c.q, c.queryMask), act(c.v, c.valueMask), ...(c.k ? [act(c.k, c.valueMask)] : [])];
  const call = layer.callMany({ e, training: false, defer: () => {} }, xs);
  const out = Array.from(call.out.t.dataSync());
  const weights = Array.from(call.states![0].dataSync());
  expect(call.states![0].shape).toEqual([B, Tq, Tv]);
  const g = call.backward(e.tensor(c.rOut.data, c.rOut.shape), [e.tensor(c.rW.data, c.rW.shape)]);
  const read = (t: Tensor | undefined) => (t ? Array.from(t.dataSync()) : undefined);
  const loss = out.reduce((s, v, i) => s + v * c.rOut.data[i], 0) + weights.reduce((s, v, i) => s + v * c.rW.data[i], 0);
  return { out, weights, loss, dq: read(g.dxs![0])!, dv: read(g.dxs![1])!, dk: read(g.dxs![2]), dScale: read(g.grads[0]), mask: call.out.mask };
}

const PYTHON = process.env.RECURRENT_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./torch/attention_reference.py', import.meta.url));
const py = spawnSync(PYTHON, [script], { input: JSON.stringify(CASES), encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 240_000 });
const torchOk = py.status === 0;
if (!torchOk) {
  const why = `PyTorch reference of the attention tests skipped: ${PYTHON} ${script} failed (${py.error?.message ?? py.stderr?.trim().split('\n').pop()}). Install python3-torch.`;
  if (process.env.CI) throw new Error(`${why} CI must run it.`);
  console.warn(why);
}
const TORCH = torchOk ? (JSON.parse(py.stdout) as Record<string, number[]>[]) : [];

describe.skipIf(!torchOk)('attention against PyTorch (Keras 3 definitions, float32 CPU backend)', () => {
  CASES.forEach((c, i) => {
    it(c.name, () => {
      const got = runLayer(createCpuBackend(), c);
      const want = TORCH[i];
      expectClose(got.out, want.out, 1e-5, 1e-4, 'output');
      expectClose(got.weights, want.weights, 1e-5, 1e-4, 'attention weights');
      expectClose(got.dq, want.dq, 1e-4, 1e-3, 'd query');
      expectClose(got.dv, want.dv, 1e-4, 1e-3, 'd value');
      if (c.k) expectClose(got.dk!, want.dk, 1e-4, 1e-3, 'd key');
      else expect(got.dk).toBeUndefined();
      if (c.useScale) expectClose(got.dScale!, want.dScale, 1e-4, 1e-3, 'd scale');
    });
  });
});

describe('attention gradients by float64 central differences (reference backend)', () => {
  CASES.forEach((c) => {
    it(c.name, () => {
      const got = runLayer(createReferenceBackend(), c);
      const eps = 1e-6;
      const parts: [keyof Case, number[] | undefined][] = [['q', got.dq], ['v', got.dv], ['k', got.dk], ['scale', got.dScale]];
      for (const [key, analytic] of parts) {
        const x = c[key] as Flat | undefined;
        if (!x) continue;
        const numeric = x.data.map((v, j) => {
          x.data[j] = v + eps;
          const up = runLayer(createReferenceBackend(), c).loss;
          x.data[j] = v - eps;
          const down = runLayer(createReferenceBackend(), c).loss;
          x.data[j] = v;
          return (up - down) / (2 * eps);
        });
        expectClose(analytic!, numeric, 1e-7, 1e-6, `d loss / d ${key}`);
      }
    });
  });

  it('a padded query step outputs zeros and passes the query mask on; padded value steps get no weight', () => {
    const c = CASES[1];
    const got = runLayer(createReferenceBackend(), c);
    const [B, Tq] = c.q.shape;
    const Tv = c.v.shape[1];
    const Dv = c.v.shape[2];
    expect(got.out.slice((1 * Tq + 2) * Dv, (1 * Tq + 3) * Dv).map(Math.abs)).toEqual([0, 0]); // sample 1, step 2 is padding
    for (let i = 0; i < Tq; i++) for (const j of [2, 3]) expect(got.weights[(1 * Tq + i) * Tv + j]).toBeLessThan(1e-300);
    expect(got.mask?.valid).toEqual(Uint8Array.from(c.queryMask!));
    expect(B).toBe(2);
  });
});

describe('attention options and shapes', () => {
  it('Keras defaults: no scale for attention, a [dim] scale for additiveAttention', () => {
    const a = layers.attention();
    const b = layers.additiveAttention();
    expect([a.useScale, b.useScale, a.returnAttentionScores, a.useCausalMask]).toEqual([false, true, false, false]);
    expect(a.weightSpecsFor([[3, 5], [4, 5]])).toEqual([]);
    expect(b.weightSpecsFor([[3, 5], [4, 5]]).map((s) => [s.name, s.shape])).toEqual([['scale', [5]]]);
    expect(layers.attention({ useScale: true }).weightSpecsFor([[3, 5], [4, 5]]).map((s) => s.shape)).toEqual([[]]);
    expect(a.outputShapeFor([[null, 5], [null, 7], [null, 5]])).toEqual([null, 7]);
    expect(b.getConfig()).toEqual({ name: 'additive_attention', useScale: true, returnAttentionScores: false, useCausalMask: false });
  });

  it('bad options and shapes are typed errors naming the layer', () => {
    expect(() => layers.attention({ useScale: 1 as never })).toThrow(ConfigError);
    expect(() => layers.attention({ dropout: 0.1 } as never)).toThrow(/unknown option "dropout"/);
    expect(() => layers.attention().outputShapeFor([[3, 5]])).toThrow(/takes \[query, value\] or \[query, value, key\]/);
    expect(() => layers.attention().outputShapeFor([[3, 5], [4, 6]])).toThrow(ShapeError);
    expect(() => layers.additiveAttention().outputShapeFor([[3, 5], [4, 6], [3, 5]])).toThrow(/as many steps as the value/);
    expect(() => layers.attention().call({} as never, {} as never)).toThrow(/functional model/);
  });
});

describe('attention in functional models', () => {
  const B = 3;
  const S = 4;
  const T = 3;
  const D = 2;
  const seq = (seed: number, t: number) => hostTensor(randomValues(seed, B * t * D), [B, t, D]);
  const masked = (x: HostTensor, valid: number[]): HostTensor => ({ ...x, mask: Uint8Array.from(valid) });
  const labels = hostTensor(Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % 3), [B, T]);
  const list = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor[];
  const one = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor;

  /** An attention encoder-decoder: LSTM encoder outputs and states, LSTM decoder, attention over the encoder, [context; decoder] -> softmax. */
  function attentive(backend: Backend, kind: 'attention' | 'additiveAttention', scores = false): Functional {
    const src = input({ shape: [null, D], name: 'source' });
    const tgt = input({ shape: [null, D], name: 'target_in' });
    const [enc, h, c] = list(layers.lstm({ units: 2, returnSequences: true, returnState: true, name: 'encoder' }).apply(src));
    const dec = one(layers.lstm({ units: 2, returnSequences: true, name: 'decoder' }).apply(tgt, { initialState: [h, c] }));
    const att = layers[kind]({ useScale: true, returnAttentionScores: scores, name: 'att' }).apply([dec, enc]);
    const [context, weights] = scores ? list(att) : [one(att)];
    const both = one(layers.concatenate({ name: 'cat' }).apply([context, dec]));
    const probs = one(layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(both));
    return model({ inputs: [src, tgt], outputs: scores ? [probs, weights] : probs, backend, seed: 3 });
  }

  const SRC_MASK = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
  const TGT_MASK = [1, 1, 1, 1, 1, 0, 1, 0, 0];

  for (const kind of ['attention', 'additiveAttention'] as const)
    it(`${kind}: every weight's gradient (encoder through the attention and the initial state) by finite differences, with masks`, () =>
      checkGradients(() => attentive(createReferenceBackend(), kind), 'sparseCategoricalCrossentropy', [masked(seq(1, S), SRC_MASK), masked(seq(2, T), TGT_MASK)], labels, 5, true));

  it('returnAttentionScores: the weights are a second output, and a loss on them trains through them', async () => {
    const w = hostTensor(randomValues(9, B * T * S, 0.5), [B, T, S]);
    await checkGradients(() => attentive(createReferenceBackend(), 'attention', true), ['sparseCategoricalCrossentropy', 'mse'], [seq(1, S), seq(2, T)], [labels, w], 5, true);
    const m = attentive(createCpuBackend(), 'attention', true);
    const [p, weights] = (await m.predict([masked(seq(1, S), SRC_MASK), seq(2, T)])) as HostTensor[];
    expect(p.shape).toEqual([B, T, 3]);
    expect(weights.shape).toEqual([B, T, S]);
    for (let r = 0; r < B * T; r++) {
      const row = Array.from(weights.data.subarray(r * S, (r + 1) * S));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const b = Math.floor(r / T);
      row.forEach((v, j) => SRC_MASK[b * S + j] === 0 && expect(v).toBe(0));
    }
    m.dispose();
  });

  it('no leaked tensors or buffers over fit, predict and evaluate, with masks and the scores output', async () => {
    const m = attentive(createCpuBackend(), 'additiveAttention', true);
    m.compile({ loss: ['sparseCategoricalCrossentropy', 'mse'], optimizer: 'adam' });
    const x = [masked(seq(1, S), SRC_MASK), masked(seq(2, T), TGT_MASK)];
    const y = [labels, hostTensor(randomValues(9, B * T * S, 0.5), [B, T, S])];
    const counts: { tensors: number; buffers: number }[] = [];
    for (let round = 0; round < 3; round++) {
      await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
      await m.predict(x);
      await m.evaluate(x, y);
      const mem = m.engine.memory();
      counts.push({ tensors: mem.tensors, buffers: mem.buffers });
    }
    expect(counts[2]).toEqual(counts[0]);
    expect(counts[1]).toEqual(counts[0]);
    m.dispose();
    expect(m.engine.memory()).toMatchObject({ tensors: 0, buffers: 0 });
  });

  const dir = mkdtempSync(join(tmpdir(), 'recurrent-attention-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['attention', 'additiveAttention'] as const)
    it(`${kind} (its scale a [] / [dim] weight): save and load give the same predictions and options`, async () => {
      const m = attentive(createCpuBackend(), kind);
      const x = [masked(seq(1, S), SRC_MASK), seq(2, T)];
      const before = (await m.predict(x)) as HostTensor;
      await m.save(join(dir, kind));
      const again = (await loadModel(join(dir, kind), { backend: createCpuBackend() })) as unknown as Functional;
      expect((await again.getWeights()).find((w) => w.name === 'att/scale')!.shape).toEqual(kind === 'attention' ? [] : [D]);
      expect(Array.from(((await again.predict(x)) as HostTensor).data)).toEqual(Array.from(before.data));
      expect(again.layers.find((l) => l.name === 'att')!.getConfig()).toEqual({ name: 'att', useScale: true, returnAttentionScores: false, useCausalMask: false });
      m.dispose();
      again.dispose();
    });
});
