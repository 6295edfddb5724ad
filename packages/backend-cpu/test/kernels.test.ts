/**
 * Every kernel of the cpu backend against the float64 reference backend, on seeded random
 * inputs, and every fused kernel against core's fallback on the reference backend, for both
 * kernel sets: WebAssembly SIMD (over a heap that starts at one 64 KiB page, so it grows
 * during the tests, with reused blocks filled with NaN so a kernel that reads an output
 * before writing it fails) and plain TypeScript (`simd: false`).
 * Inputs are float32-representable, so both backends see identical values; the tolerance
 * (1e-5 abs + 1e-5 rel) covers float32 rounding of outputs. The TypeScript kernels accumulate
 * sums and matmuls in float64; the SIMD matmul accumulates in float32, which the tolerance
 * covers at these sizes (K up to 600).
 */
import { BackendError, createEngine, RECURRENT_ACTIVATIONS, type Backend, type Engine, type Shape, type Tensor } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackendWith as createCpuBackend, relaxedSimdSupported } from '../src/backend.js';
import { SPLIT_ALL } from '../src/internal/wasm/kernels.js';

/**
 * `matmulAtol(k)`: the TypeScript matmul accumulates in float64 (ATOL at any K); the SIMD one
 * in float32, whose rounding error grows about like sqrt(K) (1e-5 * sqrt(K / 16): 4.3e-5 at
 * K = 300 for these [-2, 2) inputs, where 1.6e-5 was observed).
 */
const VARIANTS = [
  {
    label: 'wasm SIMD',
    create: () => createCpuBackend({ simd: true, threads: 1, relaxed: false, heap: { initialPages: 1, poison: true } }),
    matmulAtol: (k: number) => ATOL * Math.max(1, Math.sqrt(k / 16)),
  },
  {
    // vitest.config.ts passes --experimental-wasm-relaxed-simd (conformance.test.ts notes its absence)
    label: 'wasm relaxed SIMD',
    create: () => createCpuBackend({ simd: true, threads: 1, relaxed: relaxedSimdSupported(), heap: { initialPages: 1, poison: true } }),
    matmulAtol: (k: number) => ATOL * Math.max(1, Math.sqrt(k / 16)),
  },
  {
    label: 'wasm SIMD, 2 threads',
    create: () => createCpuBackend({ simd: true, threads: 2, parallelMin: SPLIT_ALL, heap: { initialPages: 1, poison: true } }),
    matmulAtol: (k: number) => ATOL * Math.max(1, Math.sqrt(k / 16)),
  },
  { label: 'TypeScript', create: () => createCpuBackend({ simd: false }), matmulAtol: () => ATOL },
];

const ATOL = 1e-5;
const RTOL = 1e-5;

/** A small seeded LCG (Numerical Recipes constants), uniform in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
type Gen = (u: number) => number;
const signed: Gen = (u) => 4 * u - 2; // [-2, 2)
const positive: Gen = (u) => 0.1 + 3 * u; // log, sqrt, v
const unit: Gen = (u) => u; // gates, cond
/** Gate outputs including saturated ones (exactly 0 and 1: a hard sigmoid's kinks and beyond). */
const saturating: Gen = (u) => (u < 0.15 ? 0 : u > 0.85 ? 1 : u);
const awayFromZero: Gen = (u) => (u < 0.5 ? -0.5 - u : u); // divisors, |b| >= 0.5

interface Input {
  shape: Shape;
  values: number[];
}

function makeInputs(seed: number) {
  const rand = lcg(seed);
  return (shape: Shape, gen: Gen = signed): Input => ({
    shape,
    values: Array.from({ length: size(shape) }, () => Math.fround(gen(rand()))),
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, atol = ATOL, rtol = RTOL) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      expect.fail(`${label}: element ${i} is ${a}, reference ${e} (|diff| ${Math.abs(a - e)})`);
  }
}

type Outputs = Tensor | Record<string, Tensor>;
const asRecord = (o: Outputs): Record<string, Tensor> => ('shape' in o && 'engine' in o ? { out: o as Tensor } : (o as Record<string, Tensor>));

/** Runs `f` on the cpu engine and on the reference engine (fallbacks for fused ops) and compares. */
const makeCompare = (create: () => Backend) => (label: string, inputs: Input[], f: (e: Engine, xs: Tensor[]) => Outputs, atol = ATOL, rtol = RTOL) => {
  const cpu = createEngine(create());
  const ref = createEngine(createReferenceBackend());
  ref.useFused = false;
  const run = (e: Engine) =>
    e.scope(() => {
      const out = asRecord(f(e, inputs.map((x) => e.tensor(x.values, x.shape))));
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.dataSync()) }]));
    });
  const got = run(cpu);
  const want = run(ref);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    expect(got[k].shape, `${label} ${k}: shape`).toEqual(want[k].shape);
    expectClose(got[k].values, want[k].values, `${label} ${k}`, atol, rtol);
  }
  expect(cpu.memory().buffers, `${label}: leaked buffers`).toBe(0);
};

const SHAPES: Shape[] = [[1], [7, 13], [2, 3, 5], [], [0, 4], [4, 1]];

for (const { label: variant, create: createBackend, matmulAtol } of VARIANTS)
describe(`cpu backend, ${variant} kernels`, () => {
  const compare = makeCompare(createBackend);

  describe('cpu kernels match the reference backend', () => {
    const input = makeInputs(1);

    const unaryOps = [
      ['neg', signed],
      ['exp', signed],
      ['log', positive],
      ['sqrt', positive],
      ['abs', signed],
      ['sign', signed],
      ['square', signed],
      ['tanh', signed],
      ['sigmoid', signed],
      ['relu', signed],
    ] as const;
    for (const [op, gen] of unaryOps)
      it(op, () => {
        for (const s of SHAPES) compare(`${op} ${JSON.stringify(s)}`, [input(s, gen)], (e, [x]) => e[op](x));
      });

    it('sigmoid, tanh and exp stay finite and saturate at extreme inputs', () => {
      const extreme = { shape: [6], values: [-1e4, -100, -20, 20, 100, 1e4] };
      compare('sigmoid extreme', [extreme], (e, [x]) => e.sigmoid(x));
      compare('tanh extreme', [extreme], (e, [x]) => e.tanh(x));
      const cpu = createEngine(createBackend());
      const y = cpu.sigmoid(cpu.tensor(extreme.values, extreme.shape)).toArray();
      expect(y.every(Number.isFinite)).toBe(true);
      expect(y[0]).toBe(0);
      expect(y[5]).toBe(1);
    });

    it('sign, relu, abs and the activation grads at zero and signed zero', () => {
      const zeros = { shape: [5], values: [-0, 0, 1e-30, -1e-30, 3] };
      for (const op of ['sign', 'relu', 'abs', 'neg'] as const) compare(`${op} zeros`, [zeros], (e, [x]) => e[op](x));
      compare('reluGrad zeros', [zeros, { shape: [5], values: [1, 2, 3, 4, 5] }], (e, [y, dy]) => e.reluGrad(y, dy));
    });

    for (const op of ['tanhGrad', 'sigmoidGrad', 'reluGrad'] as const)
      it(op, () => {
        for (const s of SHAPES) compare(`${op} ${JSON.stringify(s)}`, [input(s), input(s)], (e, [y, dy]) => e[op](y, dy));
      });

    // [a, b] shape pairs covering every broadcast form.
    const BROADCASTS: [string, Shape, Shape][] = [
      ['same 1', [1], [1]],
      ['same 7x13', [7, 13], [7, 13]],
      ['same 3-D', [2, 3, 5], [2, 3, 5]],
      ['same [M,1]', [4, 1], [4, 1]],
      ['same empty', [0, 4], [0, 4]],
      ['row 7x13', [7, 13], [13]],
      ['row 3-D', [2, 3, 5], [5]],
      ['row 1x1', [1, 1], [1]],
      ['col 7x13', [7, 13], [7, 1]],
      ['col 5x4', [5, 4], [5, 1]],
      ['scalar [1]', [7, 13], [1]],
      ['scalar []', [2, 3, 5], []],
      ['scalar [1,1]', [1, 13], [1, 1]],
      ['scalar of scalar', [], []],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as const)
      it(op, () => {
        for (const [kind, a, b] of BROADCASTS)
          compare(`${op} ${kind}`, [input(a), input(b, op === 'div' ? awayFromZero : signed)], (e, [x, y]) => e[op](x, y));
      });

    it('where', () => {
      for (const [kind, a, c] of BROADCASTS)
        compare(`where ${kind}`, [input(c, unit), input(a), input(a)], (e, [cond, x, y]) => e.where(cond, x, y));
    });

    it('affine and clip', () => {
      for (const s of SHAPES) {
        compare(`affine ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.affine(x, -1.5, 0.25));
        compare(`clip ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.clip(x, -0.5, 1));
      }
      // WebAssembly from 4 elements (an overlapping last vector), split into tasks when large
      for (const s of [[4], [7], [300, 7], [70000, 3]] as Shape[]) compare(`affine ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.affine(x, -1.5, 0.25));
    });

    it('matmul: all transpose combinations, with and without bias, edge sizes', () => {
      const sizes: [number, number, number][] = [
        [1, 1, 1],
        [1, 7, 5],
        [3, 1, 2],
        [4, 4, 4],
        [7, 13, 5],
        [8, 3, 9],
        [9, 16, 11],
        [5, 17, 4],
        [32, 160, 33],
        [33, 300, 17],
        [5, 20, 77],
        [1, 65, 70],
        [5, 600, 9],
        [2, 0, 3],
        [0, 3, 2],
      ];
      for (const [m, k, n] of sizes)
        for (const transposeA of [false, true])
          for (const transposeB of [false, true])
            for (const withBias of [false, true]) {
              const a = input(transposeA ? [k, m] : [m, k]);
              const b = input(transposeB ? [n, k] : [k, n]);
              const ins = withBias ? [a, b, input([n])] : [a, b];
              compare(`matmul m${m} k${k} n${n} tA=${transposeA} tB=${transposeB} bias=${withBias}`, ins, (e, [x, y, bias]) =>
                e.matmul(x, y, { transposeA, transposeB, bias }), matmulAtol(k),
              );
            }
    });

    it('sumBatch, sumLast, sumAll', () => {
      for (const s of [[7, 13], [5], [2, 3, 4], [1, 1], [0, 3], [1000, 3], [1000, 7], [64, 512]] as Shape[])
        compare(`sumBatch ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.sumBatch(x));
      for (const s of [[7, 13], [5], [2, 3, 4], [1, 1], [0, 3], [3, 0], [3, 1000]] as Shape[])
        compare(`sumLast ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.sumLast(x));
      for (const s of [[7, 13], [5], [], [0, 2], [100, 100], [3], [70000, 3]] as Shape[]) // the last: several chunks, split on threads
        compare(`sumAll ${JSON.stringify(s)}`, [input(s)], (e, [x]) => e.sumAll(x));
    });

    it('softmax and logSoftmax, including large logits', () => {
      const large: Gen = (u) => 400 * u - 200;
      // a masked score (-1e9, as attention masks do) gets exactly 0, as exp's float32 underflow gives
      const be = createCpuBackend({});
      const masked = be.readSync(be.kernels.softmax([{ dataId: be.write(Float32Array.of(1, -1e9, 2, -1e9, 0.5, -90), [1, 6]), shape: [1, 6] }] as never, {} as never, [1, 6] as never) as never);
      expect([masked[1], masked[3]]).toEqual([0, 0]);
      be.destroy?.();
      // rows of 4 floats or more run in WebAssembly (whole vectors, an overlapping last one), split by rows on threads
      for (const s of [[7, 13], [1], [2, 3, 5], [4, 1], [0, 3], [6, 4], [3, 8], [50, 65], [100, 7], [2, 1001]] as Shape[])
        for (const [name, gen] of [['', signed], [' large', large]] as const) {
          compare(`softmax${name} ${JSON.stringify(s)}`, [input(s, gen)], (e, [x]) => e.softmax(x));
          compare(`logSoftmax${name} ${JSON.stringify(s)}`, [input(s, gen)], (e, [x]) => e.logSoftmax(x));
        }
    });

    it('sliceTime and stackTime', () => {
      for (const [s, t] of [[[3, 5, 4], 0], [[3, 5, 4], 4], [[1, 1, 1], 0], [[2, 7, 13], 3], [[4, 1, 6], 0]] as [Shape, number][])
        compare(`sliceTime ${JSON.stringify(s)} t=${t}`, [input(s)], (e, [x]) => e.sliceTime(x, t));
      for (const [count, s] of [[1, [3, 4]], [5, [3, 4]], [3, [1, 1]], [2, [7, 13]]] as [number, Shape][])
        compare(`stackTime ${count}x${JSON.stringify(s)}`, Array.from({ length: count }, () => input(s)), (e, xs) => e.stackTime(xs));
    });

    it('sliceCols and concatCols', () => {
      for (const [s, start, sz] of [[[7, 13], 2, 5], [[7, 13], 0, 13], [[1, 1], 0, 1], [[3, 8], 7, 1], [[1, 9], 3, 4]] as [Shape, number, number][])
        compare(`sliceCols ${JSON.stringify(s)} ${start}+${sz}`, [input(s)], (e, [x]) => e.sliceCols(x, start, sz));
      for (const shapes of [[[7, 3], [7, 1], [7, 5]], [[4, 6]], [[1, 1], [1, 2]], [[2, 0], [2, 3]]] as Shape[][])
        compare(`concatCols ${JSON.stringify(shapes)}`, shapes.map((s) => input(s)), (e, xs) => e.concatCols(xs));
    });

    it('fill', () => {
      for (const [s, v] of [[[3, 4], 0.3], [[], -2], [[0, 2], 1], [[2, 3, 5], 0]] as [Shape, number][])
        compare(`fill ${JSON.stringify(s)}`, [], (e) => e.fill(s, v));
    });

    it('oneHot, with out-of-range labels giving zero rows', () => {
      const labels = { shape: [8], values: [0, 3, 4, 1, -1, 5, 2, 7] };
      compare('oneHot depth 5', [labels], (e, [l]) => e.oneHot(l, 5));
      compare('oneHot [2,3] depth 1', [{ shape: [2, 3], values: [0, 0, 1, 0, 2, 0] }], (e, [l]) => e.oneHot(l, 1));
      compare('oneHot empty', [{ shape: [0], values: [] }], (e, [l]) => e.oneHot(l, 3));
    });

    it('gatherRows, with out-of-range indices giving zero rows and indices rounded as Math.round', () => {
      const indices = { shape: [9], values: [2, -1, 0, 3, 1.4, 1.6, 2.5, -0.4, 1e9] };
      for (const e of [1, 5, 65])
        compare(`gatherRows [3, ${e}]`, [input([3, e], signed), indices], (en, [t, i]) => en.gatherRows(t, i));
    });
  });

  describe('cpu fused kernels match the core fallbacks', () => {
    const input = makeInputs(2);
    const BH: [number, number][] = [
      [1, 1],
      [3, 5],
      [7, 13],
      [32, 8],
      [2, 50],
    ];

    for (const recurrentActivation of RECURRENT_ACTIVATIONS) {
      const act = { recurrentActivation };
      it(`lstmCell (${recurrentActivation})`, () => {
        for (const [b, h] of BH)
          compare(`lstmCell ${recurrentActivation} B${b} H${h}`, [input([b, 4 * h]), input([b, 4 * h]), input([b, h])], (e, xs) =>
            e.fused('lstmCell', xs, act),
          );
      });

      it(`lstmCellGrad (${recurrentActivation})`, () => {
        for (const [b, h] of BH)
          compare(
            `lstmCellGrad ${recurrentActivation} B${b} H${h}`,
            [input([b, 4 * h], saturating), input([b, h]), input([b, h]), input([b, h]), input([b, h])],
            (e, xs) => e.fused('lstmCellGrad', xs, act),
          );
      });

      it(`gruCell (${recurrentActivation})`, () => {
        for (const [b, h] of BH)
          compare(`gruCell ${recurrentActivation} B${b} H${h}`, [input([b, 3 * h]), input([b, 3 * h]), input([b, h])], (e, xs) =>
            e.fused('gruCell', xs, act),
          );
      });

      it(`gruCellGrad (${recurrentActivation})`, () => {
        for (const [b, h] of BH)
          compare(`gruCellGrad ${recurrentActivation} B${b} H${h}`, [input([b, 4 * h], saturating), input([b, h]), input([b, h])], (e, xs) =>
            e.fused('gruCellGrad', xs, act),
          );
      });

      it(`gruBeforeGates and gruBeforeGrad (${recurrentActivation})`, () => {
        for (const [b, h] of BH) {
          compare(`gruBeforeGates ${recurrentActivation} B${b} H${h}`, [input([b, 3 * h]), input([b, 2 * h]), input([b, h])], (e, xs) =>
            e.fused('gruBeforeGates', xs, act),
          );
          compare(
            `gruBeforeGrad ${recurrentActivation} B${b} H${h}`,
            [input([b, 2 * h], saturating), input([b, h]), input([b, h]), input([b, h]), input([b, h])],
            (e, xs) => e.fused('gruBeforeGrad', xs, act),
          );
        }
      });
    }

    it('a fused kernel declines an unknown recurrentActivation, and core refuses it (never a guess)', () => {
      const e = createEngine(createBackend());
      const bad = { recurrentActivation: 'hardSigmoid' } as never;
      e.scope(() => {
        expect(() => e.fused('lstmCell', [e.fill([2, 8], 0.1), e.fill([2, 8], 0.2), e.fill([2, 2], 0)], bad)).toThrow(/recurrentActivation must be one of/);
      });
      expect(e.fusedCounts().lstmCell).toEqual({ kernel: 0, fallback: 1, declined: 1 });
      expect(e.memory().tensors).toBe(0);
    });

    it('adamUpdate, with and without decoupled weight decay', () => {
      for (const shape of [[1], [7, 13], [3, 4, 5]] as Shape[])
        for (const [step, decoupledDecay] of [[1, 0], [10, 0.01], [1000, 0.1]]) {
          const attrs = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, decoupledDecay };
          compare(
            `adamUpdate ${JSON.stringify(shape)} step ${step} decay ${decoupledDecay}`,
            [input(shape), input(shape), input(shape), input(shape, positive)],
            (e, xs) => e.fused('adamUpdate', xs, attrs),
          );
        }
    });
  });

  describe('cpu buffers', () => {
    it('memory() counts live buffers and bytes, and returns to zero when everything is disposed', () => {
      const backend = createBackend();
      const e = createEngine(backend);
      const input = makeInputs(3);
      const a = e.tensor(input([7, 13]).values, [7, 13]);
      expect(backend.memory()).toEqual({ buffers: 1, bytes: 7 * 13 * 4 });
      const w = e.tensor(input([13, 8]).values, [13, 8]);
      const ones = e.fill([13], 1);
      const pre = e.fill([7, 8], 0.5);
      const c = e.fill([7, 2], 0);
      const all = [a, w, ones, pre, c, e.matmul(a, w), e.sigmoid(a), e.add(a, ones), e.softmax(a), e.sumBatch(a)];
      all.push(...Object.values(e.fused('lstmCell', [pre, pre, c], { recurrentActivation: 'sigmoid' })));
      expect(backend.memory().buffers).toBe(all.length);
      expect(backend.memory().bytes).toBe(all.reduce((n, t) => n + 4 * t.size, 0));
      for (const t of all) t.dispose();
      expect(backend.memory()).toEqual({ buffers: 0, bytes: 0 });
    });

    it('a scoped workload leaves no buffers behind', () => {
      const backend = createBackend();
      const e = createEngine(backend);
      e.scope(() => {
        const x = e.tensor(makeInputs(4)([5, 6]).values, [5, 6]);
        const y = e.matmul(x, x, { transposeB: true });
        e.fused('gruCell', [e.fill([5, 9], 0.1), e.fill([5, 9], 0.2), e.fill([5, 3], 0)], { recurrentActivation: 'hardSigmoidKeras2' });
        e.logSoftmax(y);
      });
      expect(backend.memory()).toEqual({ buffers: 0, bytes: 0 });
      expect(e.memory().tensors).toBe(0);
    });

    it('write copies, read and readSync return copies', async () => {
      const backend = createBackend();
      const src = new Float32Array([1, 2, 3]);
      const id = backend.write(src, [3]);
      src[0] = 99;
      const r1 = backend.readSync(id);
      expect(Array.from(r1)).toEqual([1, 2, 3]);
      r1[1] = 99;
      const r2 = await backend.read(id);
      expect(Array.from(r2)).toEqual([1, 2, 3]);
      expect(r2).toBeInstanceOf(Float32Array);
      expect(Array.from(backend.readSync(backend.write(new Float64Array([0.5, -1]), [2])))).toEqual([0.5, -1]);
    });

    it('dispose throws a BackendError on double dispose and on unknown ids', () => {
      const backend = createBackend();
      const id = backend.write(new Float32Array(4), [2, 2]);
      backend.dispose(id);
      expect(backend.memory()).toEqual({ buffers: 0, bytes: 0 });
      expect(() => backend.dispose(id)).toThrow(BackendError);
      expect(() => backend.dispose(id)).toThrow(/already disposed/);
      expect(() => backend.dispose(12345)).toThrow(/never created by this backend/);
      expect(() => backend.readSync(id)).toThrow(BackendError);
      expect(() => backend.write(new Float32Array(3), [2, 2])).toThrow(BackendError);
    });

    it('destroy frees everything', () => {
      const backend = createBackend();
      backend.write(new Float32Array(10), [10]);
      backend.write(new Float32Array(5), [5]);
      backend.destroy?.();
      expect(backend.memory()).toEqual({ buffers: 0, bytes: 0 });
    });
  });
});
