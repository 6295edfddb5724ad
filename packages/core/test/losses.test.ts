import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Engine, Tensor } from '../src/engine.js';
import { createEngine } from '../src/engine.js';
import { ConfigError, FixtureError, InputError, LabelRangeError, ShapeError } from '../src/errors.js';
import { computeLoss, labelTensor, parseLossName, type LossName, type LossSpec } from '../src/losses.js';
import { Rng } from '../src/rng.js';
import { createReferenceBackend } from '../src/testing/reference-backend.js';
import { findReferenceFixture } from '../src/testing/node.js';

interface FTensor {
  shape: number[];
  data: number[];
}
interface LossCase {
  name: string;
  reduction: string;
  pred: FTensor;
  target: FTensor;
  value: number;
  grad: FTensor;
}

const fixtureUrl = findReferenceFixture();
const fixture = JSON.parse(readFileSync(fixtureUrl, 'utf8')) as { format: string; losses: LossCase[] };

const engine = (): Engine => createEngine(createReferenceBackend());
const up = (e: Engine, t: FTensor): Tensor => e.tensor(t.data, t.shape);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('losses: PyTorch reference fixtures', () => {
  it('reads the shared reference fixture', () => {
    expect(fixture.format).toBe('recurrent-reference/1');
    expect(fixture.losses.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of fixture.losses) {
    it(`${c.name}: value and grad within 1e-9`, () => {
      expect(c.reduction).toBe('mean');
      const e = engine();
      const { spec } = parseLossName(c.name);
      const pred = up(e, c.pred);
      const target = up(e, c.target);
      const before = e.memory().tensors;
      const { value, grad } = computeLoss(e, spec, pred, target);
      expect(e.memory().tensors).toBe(before + 2);
      expect(value.shape).toEqual([]);
      expect(grad.shape).toEqual(c.pred.shape);
      expect(Math.abs(value.toArray()[0] - c.value)).toBeLessThan(1e-9);
      expect(maxAbsDiff(grad.toArray(), c.grad.data)).toBeLessThan(1e-9);
    });
  }
});

describe('parseLossName', () => {
  it('maps fixture names to specs', () => {
    expect(parseLossName('mse').spec).toEqual({ name: 'mse' });
    expect(parseLossName('mae').spec).toEqual({ name: 'mae' });
    expect(parseLossName('binary_crossentropy').spec).toEqual({ name: 'binaryCrossentropy', fromLogits: false });
    expect(parseLossName('binary_crossentropy_from_logits').spec).toEqual({ name: 'binaryCrossentropy', fromLogits: true });
    expect(parseLossName('categorical_crossentropy_soft_targets_from_logits')).toEqual({
      spec: { name: 'categoricalCrossentropy', fromLogits: true },
      tags: ['soft', 'targets'],
    });
    expect(parseLossName('sparse_categorical_crossentropy_from_logits_sequence')).toEqual({
      spec: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
      tags: ['sequence'],
    });
  });

  it('rejects unknown names with FixtureError naming them', () => {
    expect(() => parseLossName('hinge')).toThrow(FixtureError);
    expect(() => parseLossName('hinge')).toThrow(/'hinge'/);
    expect(() => parseLossName('categorical_crossentropy_logits')).toThrow(/'logits'/);
    expect(() => parseLossName('mse_from_logits')).toThrow(FixtureError);
    expect(() => parseLossName('msex')).toThrow(FixtureError);
  });
});

describe('losses: bad input', () => {
  it('shape mismatches throw ShapeError naming the loss and both shapes', () => {
    const e = engine();
    const pred = e.zeros([4, 5]);
    expect(() => computeLoss(e, 'mse', pred, e.zeros([4, 3]))).toThrow(ShapeError);
    expect(() => computeLoss(e, 'mse', pred, e.zeros([4, 3]))).toThrow(/mse \(target\): got shape \[4, 3\], wanted \[4, 5\].*pred is \[4, 5\]/);
    const cce = { name: 'categoricalCrossentropy', fromLogits: true } as const;
    expect(() => computeLoss(e, cce, pred, e.zeros([4]))).toThrow(/categoricalCrossentropy \(target\): got shape \[4\], wanted \[4, 5\].*sparseCategoricalCrossentropy/);
    const scce = { name: 'sparseCategoricalCrossentropy', fromLogits: true } as const;
    expect(() => computeLoss(e, scce, pred, e.zeros([4, 3]))).toThrow(/sparseCategoricalCrossentropy \(target\): got shape \[4, 3\], wanted \[4\]/);
    expect(() => computeLoss(e, scce, pred, e.zeros([4, 5]))).toThrow(/one-hot targets use categoricalCrossentropy/);
    expect(() => computeLoss(e, scce, e.zeros([2, 3, 5]), e.zeros([2]))).toThrow(/got shape \[2\], wanted \[2, 3\]/);
    expect(() => computeLoss(e, cce, e.zeros([5]), e.zeros([5]))).toThrow(/\(pred\): got shape \[5\], wanted \[B, K\] or \[B, T, K\]/);
  });

  it('bad specs throw ConfigError', () => {
    const e = engine();
    const x = e.zeros([2, 2]);
    expect(() => computeLoss(e, { name: 'mse', fromLogits: true }, x, x)).toThrow(ConfigError);
    expect(() => computeLoss(e, { name: 'mae', fromLogits: false }, x, x)).toThrow(/fromLogits applies only/);
    expect(() => computeLoss(e, 'hinge' as LossName, x, x)).toThrow(ConfigError);
  });

  it('labels out of range throw LabelRangeError; NaN input throws InputError', () => {
    const e = engine();
    expect(() => labelTensor(e, [0, 5, 1], [3], 5, 'labels')).toThrow(LabelRangeError);
    expect(() => labelTensor(e, [0, 5, 1], [3], 5, 'labels')).toThrow(/labels: label 5 at position 1 is not an integer in \[0, 5\)/);
    expect(() => labelTensor(e, [0, -1], [2], 5, 'labels')).toThrow(LabelRangeError);
    expect(() => labelTensor(e, [0, 1.5], [2], 5, 'labels')).toThrow(LabelRangeError);
    expect(() => labelTensor(e, [0, NaN], [2], 5, 'labels')).toThrow(LabelRangeError);
    expect(labelTensor(e, [0, 4, 2], [3], 5, 'labels').toArray()).toEqual([0, 4, 2]);
    expect(() => labelTensor(e, [0, 1], [3], 5, 'labels')).toThrow(ShapeError);
    expect(() => e.tensor([0.5, NaN], [2, 1], 'pred')).toThrow(InputError);
  });

  it('leaves no intermediate tensors behind, including on error', () => {
    const e = engine();
    const p = e.tensor([0.2, 0.9, 0.5, 0.1], [2, 2]);
    const t = e.tensor([0, 1, 1, 0], [2, 2]);
    const bad = e.zeros([3]);
    const base = e.memory();
    for (const name of ['mse', 'mae', 'binaryCrossentropy', 'categoricalCrossentropy'] as const) {
      const r = computeLoss(e, name, p, t);
      r.value.dispose();
      r.grad.dispose();
    }
    expect(() => computeLoss(e, 'mse', p, bad)).toThrow(ShapeError);
    expect(e.memory()).toEqual(base);
  });
});

describe('losses: float64 finite differences', () => {
  const rng = new Rng(1234);
  const rand = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  const softRows = (rows: number, k: number): number[] => {
    const v = rand(rows * k, 0.05, 1);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += v[r * k + j];
      for (let j = 0; j < k; j++) v[r * k + j] /= s;
    }
    return v;
  };

  type Case = { spec: LossSpec; shape: number[]; pred: () => number[]; target: (pred: number[]) => { data: number[]; shape: number[] } };
  const B = 3;
  const T = 2;
  const K = 4;
  const seq = [B, T, K];
  const cases: Case[] = [
    { spec: { name: 'mse' }, shape: seq, pred: () => rand(B * T * K, -2, 2), target: () => ({ data: rand(B * T * K, -2, 2), shape: seq }) },
    {
      spec: { name: 'mae' },
      shape: [B, K],
      pred: () => rand(B * K, -2, 2),
      // keep |pred - target| >= 0.1 so no element sits near the kink
      target: (p) => ({ data: p.map((v) => v + (rng.next() < 0.5 ? -1 : 1) * (0.1 + rng.next())), shape: [B, K] }),
    },
    { spec: { name: 'binaryCrossentropy' }, shape: [B, 1], pred: () => rand(B, 0.05, 0.95), target: () => ({ data: rand(B, 0, 1), shape: [B, 1] }) },
    { spec: { name: 'binaryCrossentropy' }, shape: seq, pred: () => rand(B * T * K, 0.05, 0.95), target: () => ({ data: rand(B * T * K, 0, 1), shape: seq }) },
    {
      spec: { name: 'binaryCrossentropy', fromLogits: true },
      shape: [B, 2],
      pred: () => rand(B * 2, -4, 4),
      target: () => ({ data: rand(B * 2, 0, 1), shape: [B, 2] }),
    },
    {
      spec: { name: 'categoricalCrossentropy', fromLogits: true },
      shape: seq,
      pred: () => rand(B * T * K, -3, 3),
      // rows deliberately not summing to 1, to check the general gradient
      target: () => ({ data: rand(B * T * K, 0, 1), shape: seq }),
    },
    {
      spec: { name: 'categoricalCrossentropy' },
      shape: [B, K],
      pred: () => softRows(B, K),
      target: () => ({ data: softRows(B, K), shape: [B, K] }),
    },
    {
      spec: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
      shape: seq,
      pred: () => rand(B * T * K, -3, 3),
      target: () => ({ data: Array.from({ length: B * T }, () => rng.int(K)), shape: [B, T] }),
    },
    {
      spec: { name: 'sparseCategoricalCrossentropy' },
      shape: [B, K],
      pred: () => softRows(B, K),
      target: () => ({ data: Array.from({ length: B }, () => rng.int(K)), shape: [B] }),
    },
  ];

  for (const c of cases) {
    it(`${c.spec.name}${c.spec.fromLogits ? ' (logits)' : ''} ${JSON.stringify(c.shape)}`, () => {
      const e = engine();
      const p0 = c.pred();
      const tgt = c.target(p0);
      const target = e.tensor(tgt.data, tgt.shape);
      const f = (p: number[]): number =>
        e.scope(() => {
          const r = computeLoss(e, c.spec, e.tensor(p, c.shape), target);
          return r.value.toArray()[0];
        });
      const { grad } = computeLoss(e, c.spec, e.tensor(p0, c.shape), target);
      const g = grad.toArray();
      const h = 1e-6;
      const fd = p0.map((_, i) => {
        const plus = [...p0];
        const minus = [...p0];
        plus[i] += h;
        minus[i] -= h;
        return (f(plus) - f(minus)) / (2 * h);
      });
      const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      const err = Math.sqrt(g.reduce((s, v, i) => s + (v - fd[i]) ** 2, 0));
      expect(norm).toBeGreaterThan(0);
      expect(err / norm).toBeLessThan(1e-6);
    });
  }

  it('binaryCrossentropy on probabilities clamps to [1e-7, 1 - 1e-7] with zero gradient where clamped', () => {
    const e = engine();
    const p = e.tensor([0, 1, 0.5], [3, 1]);
    const t = e.tensor([1, 0, 1], [3, 1]);
    const { value, grad } = computeLoss(e, 'binaryCrossentropy', p, t);
    const want = (-Math.log(1e-7) - Math.log(1 - (1 - 1e-7)) - Math.log(0.5)) / 3;
    expect(value.toArray()[0]).toBeCloseTo(want, 6);
    const g = grad.toArray();
    expect(Math.abs(g[0])).toBe(0);
    expect(Math.abs(g[1])).toBe(0);
    expect(g[2]).toBeCloseTo(-2 / 3, 12);
  });

  it('logit forms stay finite for large logits', () => {
    const e = engine();
    const x = e.tensor([800, -800, 0], [3, 1]);
    const y = e.tensor([0, 1, 1], [3, 1]);
    const { value, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, x, y);
    expect(value.toArray()[0]).toBeCloseTo((800 + 800 + Math.log(2)) / 3, 9);
    expect(grad.toArray().every(Number.isFinite)).toBe(true);
    const z = e.tensor([1000, -1000, 0, 2000, 0, -2000], [2, 3]);
    const labels = labelTensor(e, [1, 0], [2], 3, 'labels');
    const r = computeLoss(e, { name: 'sparseCategoricalCrossentropy', fromLogits: true }, z, labels);
    expect(r.value.toArray()[0]).toBeCloseTo((2000 + 0) / 2, 9);
  });
});
