/** The data helpers, on inputs small enough to check every expected value by hand. */
import { ConfigError, InputError, Rng, ShapeError, StateError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import {
  argmax,
  batches,
  batchIndices,
  CharVocabulary,
  MinMaxScaler,
  oneHot,
  padSequences,
  sampleLogits,
  sampleWithTemperature,
  scalerFromJSON,
  slidingWindows,
  splitIndices,
  StandardScaler,
  takeRows,
  toArrayData,
} from '../src/data/index.js';

const arr = (x: { data: Float32Array }) => Array.from(x.data);

describe('toArrayData and takeRows', () => {
  it('flattens nested arrays row-major and rejects ragged or non-finite input', () => {
    expect(toArrayData([[[1], [2]], [[3], [4]]], 'x')).toEqual({ data: Float32Array.of(1, 2, 3, 4), shape: [2, 2, 1] });
    expect(() => toArrayData([[1, 2], [3]], 'fit x')).toThrow(/fit x: element \[1\] has length 1, wanted length 2 .*ragged/);
    expect(() => toArrayData([[1, NaN]], 'x')).toThrow(InputError);
    expect(() => toArrayData({ data: new Float32Array(3), shape: [2, 2] }, 'x')).toThrow(ShapeError);
  });

  it('gathers rows in the given order', () => {
    const x = { data: Float32Array.of(0, 1, 10, 11, 20, 21), shape: [3, 2] };
    expect(takeRows(x, [2, 0])).toEqual({ data: Float32Array.of(20, 21, 0, 1), shape: [2, 2] });
    expect(() => takeRows(x, [3])).toThrow(/row index 3 at position 0 is outside \[0, 3\)/);
  });
});

describe('slidingWindows', () => {
  it('one feature, horizon 1: windows [0,1,2]->3 ... [3,4,5]->6', () => {
    const w = slidingWindows([0, 1, 2, 3, 4, 5, 6], { window: 3 });
    expect(w.x.shape).toEqual([4, 3, 1]);
    expect(arr(w.x)).toEqual([0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5]);
    expect(w.y).toEqual({ data: Float32Array.of(3, 4, 5, 6), shape: [4, 1] });
    expect(w.starts).toEqual([0, 1, 2, 3]);
  });

  it('horizon and stride: floor((T - w - h) / k) + 1 windows', () => {
    // T=10, w=3, h=2, k=3: floor(5/3)+1 = 2 windows starting at 0 and 3.
    const w = slidingWindows([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { window: 3, horizon: 2, stride: 3 });
    expect(w.starts).toEqual([0, 3]);
    expect(arr(w.x)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(w.y).toEqual({ data: Float32Array.of(3, 4, 6, 7), shape: [2, 2] });
  });

  it('several features, one target column', () => {
    const series = [
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ];
    const w = slidingWindows(series, { window: 2, targets: [1] });
    expect(w.x.shape).toEqual([2, 2, 2]);
    expect(arr(w.x)).toEqual([1, 10, 2, 20, 2, 20, 3, 30]);
    expect(arr(w.y)).toEqual([30, 40]);
  });

  it('bad options and short series are typed errors', () => {
    expect(() => slidingWindows([1, 2, 3], { window: 3 })).toThrow(/3 steps is too short for window 3 \+ horizon 1/);
    expect(() => slidingWindows([1, 2, 3], { window: 0 })).toThrow(ConfigError);
    expect(() => slidingWindows([[1, 2]], { window: 1, targets: [2] })).toThrow(/target column 2 is not in \[0, 2\)/);
    expect(() => slidingWindows([1, NaN, 3], { window: 1 })).toThrow(InputError);
  });
});

describe('scalers', () => {
  it('MinMaxScaler maps [2, 4, 6] to [0, 0.5, 1] and back; other ranges; per column', () => {
    const s = new MinMaxScaler().fit([2, 4, 6]);
    expect(s.transform([2, 4, 6, 8])).toEqual([0, 0.5, 1, 1.5]);
    expect(s.inverseTransform([0, 0.25, 1])).toEqual([2, 3, 6]);
    const r = new MinMaxScaler({ range: [-1, 1] }).fit([
      [0, 100],
      [10, 300],
    ]);
    expect(r.transform([[5, 200]])).toEqual([[0, 0]]);
    expect(r.inverseTransform([[-1], [1]], { columns: [1] })).toEqual([[100], [300]]);
    expect(r.min).toEqual([0, 100]);
    expect(r.max).toEqual([10, 300]);
  });

  it('StandardScaler: mean 2, population std sqrt(2/3) for [1, 2, 3]', () => {
    const s = new StandardScaler().fit([1, 2, 3]);
    expect(s.mean).toEqual([2]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 15);
    const z = s.transform([1, 2, 3]);
    expect(z[0]).toBeCloseTo(-Math.sqrt(3 / 2), 12);
    expect(z[1]).toBe(0);
    expect(s.inverseTransform(z).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 2, 3]);
  });

  it('keeps the input form: Float32Array in, Float32Array out; { data, shape } keeps its shape', () => {
    const s = new MinMaxScaler().fit({ data: Float32Array.of(0, 0, 4, 8), shape: [2, 2] });
    const out = s.transform({ data: Float32Array.of(2, 2, 4, 8, 0, 4), shape: [1, 3, 2] });
    expect(out).toEqual({ data: Float32Array.of(0.5, 0.25, 1, 1, 0, 0.5), shape: [1, 3, 2] });
    const one = new MinMaxScaler().fit(Float32Array.of(0, 4));
    expect(one.transform(Float32Array.of(1))).toEqual(Float32Array.of(0.25));
  });

  it('a constant feature gets scale 1 (as scikit-learn) and inverts exactly', () => {
    const m = new MinMaxScaler().fit([5, 5]);
    expect(m.transform([5, 6])).toEqual([0, 1]);
    expect(m.inverseTransform([0])).toEqual([5]);
    const z = new StandardScaler().fit([7, 7]);
    expect(z.transform([7, 8])).toEqual([0, 1]);
  });

  it('round-trips through JSON', () => {
    const m = new MinMaxScaler({ range: [-1, 1] }).fit([
      [1, 2],
      [3, 6],
    ]);
    const state = JSON.parse(JSON.stringify(m.toJSON()));
    expect(state).toEqual({ kind: 'minMax', range: [-1, 1], min: [1, 2], max: [3, 6] });
    expect(scalerFromJSON(state).transform([[2, 4]])).toEqual([[0, 0]]);
    const z = new StandardScaler().fit([0, 2]);
    expect(z.toJSON()).toEqual({ kind: 'standard', mean: [1], std: [1] });
    expect(scalerFromJSON(z.toJSON()).transform([3])).toEqual([2]);
  });

  it('misuse is a typed error', () => {
    expect(() => new MinMaxScaler().transform([1])).toThrow(StateError);
    expect(() => new MinMaxScaler({ range: [1, 0] })).toThrow(ConfigError);
    expect(() => new StandardScaler().fit([])).toThrow(InputError);
    expect(() => new StandardScaler().fit([1, Infinity])).toThrow(/value Infinity at flat position 1/);
    const two = new MinMaxScaler().fit([
      [0, 0],
      [1, 1],
    ]);
    expect(() => two.transform([1, 2, 3])).toThrow(ShapeError);
    expect(() => two.transform([[1, 2, 3]])).toThrow(/wanted \[\.\.\., 2\]/);
    expect(() => scalerFromJSON({ kind: 'minMax', range: [0, 1], min: [0, 1], max: [1] })).toThrow(StateError);
    expect(() => scalerFromJSON({ kind: 'robust' } as never)).toThrow(/unknown scaler kind "robust"/);
  });
});

describe('padSequences', () => {
  it("Keras defaults: pad and truncate at the start ('pre')", () => {
    const p = padSequences([[1, 2], [3], [4, 5, 6, 7]], { length: 3 });
    expect(p.shape).toEqual([3, 3]);
    expect(arr(p)).toEqual([0, 1, 2, 0, 0, 3, 5, 6, 7]);
    expect(Array.from(p.mask)).toEqual([0, 1, 1, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(p.lengths)).toEqual([2, 1, 3]);
  });

  it("'post' padding and truncation, a padding value, and the longest length by default", () => {
    const p = padSequences([[1, 2, 3], [4]], { padding: 'post', truncating: 'post', value: -1 });
    expect(arr(p)).toEqual([1, 2, 3, 4, -1, -1]);
    const q = padSequences([[1, 2, 3], [4]], { length: 2, padding: 'post', truncating: 'post' });
    expect(arr(q)).toEqual([1, 2, 4, 0]);
    expect(Array.from(q.mask)).toEqual([1, 1, 1, 0]);
  });

  it('vector steps give [N, L, F]; an empty sequence is all padding', () => {
    const p = padSequences([[[1, 2]], []], { length: 2 });
    expect(p.shape).toEqual([2, 2, 2]);
    expect(arr(p)).toEqual([0, 0, 1, 2, 0, 0, 0, 0]);
    expect(Array.from(p.lengths)).toEqual([1, 0]);
  });

  it('mixed step kinds and non-finite values are InputErrors', () => {
    expect(() => padSequences([[1], [[2]]] as never)).toThrow(/sequence 1 step 0 is a list, wanted a number/);
    expect(() => padSequences([[[1, 2]], [[3]]])).toThrow(/sequence 1 step 0 has 1 features, wanted 2/);
    expect(() => padSequences([[1, NaN]])).toThrow(InputError);
    expect(() => padSequences([[1]], { padding: 'middle' as never })).toThrow(ConfigError);
  });
});

describe('CharVocabulary', () => {
  const v = CharVocabulary.fromTexts(['bca', 'ab'], { boundary: true });

  it('specials first (pad 0, unk 1, boundary 2), then characters in code-point order', () => {
    expect(v.tokens).toEqual(['<pad>', '<unk>', '<b>', 'a', 'b', 'c']);
    expect([v.padIndex, v.unknownIndex, v.boundaryIndex, v.size]).toEqual([0, 1, 2, 6]);
    expect(v.encode('cab')).toEqual([5, 3, 4]);
    expect(v.encode('az')).toEqual([3, 1]);
    expect(v.decode([2, 5, 3, 1, 0])).toBe('ca?');
  });

  it('index batches are padded with 0; one-hot padding steps are zero vectors', () => {
    const ids = v.encodeBatch(['ab', 'c'], { padding: 'post' });
    expect(arr(ids)).toEqual([3, 4, 5, 0]);
    const hot = v.oneHot(['ab', 'c'], { padding: 'post' });
    expect(hot.shape).toEqual([2, 2, 6]);
    expect(arr(hot)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(hot.mask)).toEqual([1, 1, 1, 0]);
  });

  it('lowercase, no unknown token, and the JSON form', () => {
    const w = CharVocabulary.fromTexts(['Ab'], { lowercase: true, unknown: false });
    expect(w.tokens).toEqual(['<pad>', 'a', 'b']);
    expect(w.encode('BA')).toEqual([2, 1]);
    expect(() => w.encode('abc')).toThrow(/character "c" of "abc" is not in the vocabulary/);
    const back = CharVocabulary.fromJSON(JSON.parse(JSON.stringify(w.toJSON())));
    expect(back.tokens).toEqual(w.tokens);
    expect(back.encode('B')).toEqual([2]);
    expect(() => CharVocabulary.fromJSON({ kind: 'charVocabulary', tokens: ['a', 'a'], lowercase: false })).toThrow(StateError);
    expect(() => CharVocabulary.fromJSON({ kind: 'charVocabulary', tokens: ['ab'], lowercase: false })).toThrow(StateError);
  });

  it('oneHot from indices', () => {
    expect(oneHot([2, 0], 3)).toEqual({ data: Float32Array.of(0, 0, 1, 1, 0, 0), shape: [2, 3] });
    expect(arr(oneHot([2, 0], 3, { zeroIndex: 0 }))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow(/index 3 at flat position 0 is not an integer in \[0, 3\)/);
  });
});

describe('splitIndices', () => {
  it('sizes round(n * fraction), disjoint parts covering every row, same seed same split', () => {
    const s = splitIndices(10, { validation: 0.2, test: 0.25, seed: 1 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([5, 2, 3]);
    expect([...s.train, ...s.validation, ...s.test].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(splitIndices(10, { validation: 0.2, test: 0.25, seed: 1 })).toEqual(s);
    expect(splitIndices(10, { validation: 0.2, test: 0.25, seed: 2 })).not.toEqual(s);
  });

  it('without shuffling the parts are consecutive (a time-ordered split)', () => {
    expect(splitIndices(5, { test: 0.4, shuffle: false })).toEqual({ train: [0, 1, 2], validation: [], test: [3, 4] });
  });

  it('stratify keeps class proportions in every part', () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const s = splitIndices(10, { test: 0.5, seed: 3, stratify: labels });
    expect(s.test.filter((i) => labels[i] === 1)).toHaveLength(1);
    expect(s.test.filter((i) => labels[i] === 0)).toHaveLength(4);
  });

  it('bad fractions, a missing seed and mismatched labels are typed errors', () => {
    expect(() => splitIndices(10, { validation: 0.5, test: 0.5, seed: 1 })).toThrow(/leaves no training rows/);
    expect(() => splitIndices(10, { test: 0.1 })).toThrow(/pass a seed/);
    expect(() => splitIndices(10, { test: 1.5, seed: 1 })).toThrow(ConfigError);
    expect(() => splitIndices(3, { seed: 1, stratify: [0, 1] })).toThrow(InputError);
  });
});

describe('batching', () => {
  it('batches of batchSize with a smaller last one, or dropped', () => {
    expect(batchIndices(5, { batchSize: 2 })).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchIndices(5, { batchSize: 2, dropRemainder: true })).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('a seeded shuffle is a permutation, reproducible from the seed', () => {
    const a = batchIndices(6, { batchSize: 4, shuffle: true, seed: 7 });
    expect(a.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batchIndices(6, { batchSize: 4, shuffle: true, seed: 7 })).toEqual(a);
    expect(() => batchIndices(6, { batchSize: 4, shuffle: true })).toThrow(ConfigError);
  });

  it('batches() pairs the same rows of x and y', () => {
    const x = { data: Float32Array.of(0, 0, 1, 1, 2, 2), shape: [3, 2] };
    const y = { data: Float32Array.of(10, 11, 12), shape: [3, 1] };
    const out = [...batches(x, y, { batchSize: 2 })];
    expect(out.map((b) => arr(b.x))).toEqual([[0, 0, 1, 1], [2, 2]]);
    expect(out.map((b) => arr(b.y!))).toEqual([[10, 11], [12]]);
    expect(() => [...batches(x, { data: new Float32Array(2), shape: [2, 1] }, { batchSize: 2 })]).toThrow(/x has 3 rows but y has 2/);
  });
});

describe('sampling with temperature', () => {
  it('temperature 0 is argmax; a zero-probability token is never drawn', () => {
    const rng = new Rng(1);
    expect(sampleWithTemperature([0.2, 0.5, 0.3], 0, rng)).toBe(1);
    expect(argmax([1, 3, 3])).toBe(1);
    for (let i = 0; i < 200; i++) expect(sampleWithTemperature([0.5, 0, 0.5], 1.5, rng)).not.toBe(1);
  });

  it('frequencies follow p^(1/T) normalised: [0.2, 0.8] at T=0.5 is [1/17, 16/17]', () => {
    const rng = new Rng(5);
    const n = 20000;
    let ones = 0;
    for (let i = 0; i < n; i++) ones += sampleWithTemperature([0.2, 0.8], 0.5, rng);
    // 16/17 = 0.941; the standard error over 20000 draws is 0.0017.
    expect(Math.abs(ones / n - 16 / 17)).toBeLessThan(0.01);
    let hi = 0;
    for (let i = 0; i < n; i++) hi += sampleLogits([0, Math.log(3)], 1, rng);
    expect(Math.abs(hi / n - 0.75)).toBeLessThan(0.015);
  });

  it('the same seed draws the same sequence', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => sampleWithTemperature([0.25, 0.25, 0.5], 1, rng));
    };
    expect(draw(9)).toEqual(draw(9));
  });

  it('bad distributions and temperatures are typed errors', () => {
    const rng = new Rng(1);
    expect(() => sampleWithTemperature([0.5, -0.1], 1, rng)).toThrow(/probability 1 is -0.1/);
    expect(() => sampleWithTemperature([0, 0], 1, rng)).toThrow(/every probability is 0/);
    expect(() => sampleWithTemperature([1], -1, rng)).toThrow(ConfigError);
    expect(() => sampleLogits([NaN], 1, rng)).toThrow(InputError);
  });
});
