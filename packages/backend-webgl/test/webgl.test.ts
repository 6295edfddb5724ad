/**
 * What the conformance suite does not cover: that this really is WebGL2 (no silent fallback),
 * that the fused ops are single programs, kernels past the shader texture limit, the zero-padding
 * invariant across odd shapes, async reads, context loss, and misuse.
 */
import { BackendError, createEngine, type Engine, type Tensor } from '@recurrent/core';
import { createReferenceBackend, MATMUL_SHAPES, testRandom, workPerFusedOp } from '@recurrent/core/testing';
import { env } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebglBackend, type WebglBackend, WebglContextLostError } from '../src/index.js';

let backend: WebglBackend;
let e: Engine;
const ref = createEngine(createReferenceBackend());

beforeAll(async () => {
  backend = await createWebglBackend();
  e = createEngine(backend);
});
afterAll(() => backend.destroy());

const rand = testRandom(7);
const values = (n: number) => Array.from({ length: n }, () => rand(-1, 1));

/** The same computation on the webgl engine and the float64 reference; max |difference|. */
function sameOnBoth(inputs: { shape: number[]; data?: number[] }[], fn: (en: Engine, xs: Tensor[]) => Tensor): { got: Float64Array; want: Float64Array } {
  const data = inputs.map((i) => i.data ?? values(i.shape.reduce((a, b) => a * b, 1)));
  const run = (en: Engine) =>
    en.scope(() => {
      const xs = inputs.map((i, k) => en.tensor(data[k], i.shape));
      return Float64Array.from(fn(en, xs).dataSync());
    });
  return { got: run(e), want: run(ref) };
}

function expectClose(r: { got: Float64Array; want: Float64Array }, atol = 1e-5): void {
  expect(r.got.length).toBe(r.want.length);
  let worst = 0;
  for (let i = 0; i < r.got.length; i++) worst = Math.max(worst, Math.abs(r.got[i] - r.want[i]) - 1e-5 * Math.abs(r.want[i]));
  expect(worst).toBeLessThanOrEqual(atol);
}

describe('runs on WebGL2, not a fallback', () => {
  it('owns a WebGL2 context and tfjs reports WebGL version 2', () => {
    expect(backend.name).toBe('webgl');
    expect(backend.gl).toBeInstanceOf(WebGL2RenderingContext);
    expect(backend.gl.isContextLost()).toBe(false);
    expect(env().getNumber('WEBGL_VERSION')).toBe(2);
    expect(env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).toBe(true);
  });

  it('every kernel call draws on the GPU: a matmul is one shader pass', () => {
    const a = e.tensor(values(6), [2, 3]);
    const b = e.tensor(values(12), [3, 4]);
    backend.resetStats();
    const c = e.matmul(a, b);
    const s = backend.stats();
    expect(s.passes).toBe(1);
    expect(s.byOp.matmul.calls).toBe(1);
    expect(s.byOp.matmul.passes).toBe(1);
    for (const t of [a, b, c]) t.dispose();
  });

  it('multipleRenderTargets: false keeps tfjs\'s matmul (one pass) for a long shared dimension too', async () => {
    const other = await createWebglBackend({ multipleRenderTargets: false });
    try {
      const oe = createEngine(other);
      const a = oe.tensor(values(2 * 600), [2, 600]);
      const b = oe.tensor(values(600 * 3), [600, 3]);
      other.resetStats();
      const c = oe.matmul(a, b);
      expect(other.stats().byOp.matmul.passes).toBe(1);
      for (const t of [a, b, c]) t.dispose();
    } finally {
      other.destroy();
    }
  });

  it('a matmul with a long shared dimension (k >= 512) draws into four render targets (two passes) and matches a float64 product, every transpose, odd sizes, bias', async () => {
    for (const [m, k, n] of [
      [3, 515, 5],
      [34, 600, 17],
      [1, 512, 1],
    ])
      for (const transposeA of [false, true])
        for (const transposeB of [false, true]) {
          const av = values(m * k);
          const bv = values(k * n);
          const biasv = values(n);
          const a = e.tensor(av, transposeA ? [k, m] : [m, k]);
          const b = e.tensor(bv, transposeB ? [n, k] : [k, n]);
          const bias = e.tensor(biasv, [n]);
          backend.resetStats();
          const c = e.matmul(a, b, { transposeA, transposeB, bias });
          expect(backend.stats().byOp.matmul.passes, `${m}x${k}x${n} ${transposeA} ${transposeB}`).toBe(2);
          const got = await c.data();
          let worst = 0;
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let want = biasv[j];
              for (let p = 0; p < k; p++) want += av[transposeA ? p * m + i : i * k + p] * bv[transposeB ? j * k + p : p * n + j];
              // float32 accumulation over k terms: scale the error by sqrt(k), as core's primitive checks do.
              worst = Math.max(worst, Math.abs(got[i * n + j] - want) / (Math.sqrt(k) + Math.abs(want)));
            }
          expect(worst, `${m}x${k}x${n} transposeA ${transposeA} transposeB ${transposeB}`).toBeLessThan(1e-5);
          for (const t of [a, b, bias, c]) t.dispose();
        }
  });

  it("the conformance suite's matmul shapes reach the four-render-target program (two passes) as well as tfjs's (one)", () => {
    const passes = MATMUL_SHAPES.map(([m, k, n]) =>
      e.scope(() => {
        const a = e.tensor(values(m * k), [m, k]);
        const b = e.tensor(values(k * n), [k, n]);
        backend.resetStats();
        e.matmul(a, b);
        return backend.stats().byOp.matmul.passes;
      }),
    );
    const mrt = MATMUL_SHAPES.filter((_, i) => passes[i] === 2);
    expect(mrt).toEqual([
      [9, 520, 7],
      [32, 257, 520],
    ]);
    expect(passes.filter((p) => p === 1)).toHaveLength(MATMUL_SHAPES.length - 2);
  });

  it('fused steps are few passes (lstmCell 3, lstmCellGrad 2, gruCell 2, GRU reset-before 2+2 and 1+2, simpleRnnCell 1, adamUpdate 3), fewer than their fallbacks', () => {
    const B = 4;
    const H = 6;
    const passes = (fused: boolean) =>
      workPerFusedOp(e, { batch: B, units: H, values, fused, reset: () => backend.resetStats(), read: () => backend.stats().passes });
    const fused = passes(true);
    expect(fused).toEqual({
      lstmCell: 3,
      lstmCellGrad: 2,
      gruCell: 2,
      gruCellGrad: 3,
      gruBeforeGates: 2,
      gruBeforeState: 2,
      gruBeforeGradN: 1,
      gruBeforeGrad: 2,
      simpleRnnCell: 1,
      adamUpdate: 3,
    });
    const fallback = passes(false);
    for (const op of Object.keys(fused)) expect(fused[op], op).toBeLessThan(fallback[op]);
  });
});

describe('kernels beyond the conformance shapes', () => {
  it('stackTime of 40 steps: even batch (GPU copies) and odd batch (shader concatenation)', () => {
    for (const shape of [[4, 6], [4, 5], [3, 5]]) {
      const steps = Array.from({ length: 40 }, () => ({ shape }));
      expectClose(sameOnBoth(steps, (en, xs) => en.stackTime(xs)), 0);
    }
  });

  it('stackTime of matmul results (textures tfjs made) and of a reshaped tensor', () => {
    const r = sameOnBoth([{ shape: [4, 3] }, { shape: [3, 6] }, { shape: [24] }], (en, [a, w, v]) =>
      en.stackTime([en.matmul(a, w), en.exp(en.matmul(a, w)), v.reshape([4, 6])]),
    );
    expectClose(r);
  });

  it('concatCols of 20 odd-width parts', () => {
    const parts = Array.from({ length: 20 }, (_, i) => ({ shape: [3, 1 + (i % 3)] }));
    expectClose(sameOnBoth(parts, (en, xs) => en.concatCols(xs)), 0);
  });

  it('sliceTime of a [B*T, D] matmul result reshaped to [B, T, D] (odd T, rows pair across samples)', () => {
    const r = sameOnBoth([{ shape: [15, 4] }, { shape: [4, 6] }, { shape: [6] }], (en, [x, w, b]) =>
      en.sliceTime(en.matmul(x, w, { bias: b }).reshape([3, 5, 6]), 3),
    );
    expectClose(r);
  });

  it('padding stays zero: an odd-row matmul with bias feeds an odd inner dimension', () => {
    const r = sameOnBoth([{ shape: [3, 4] }, { shape: [4, 5] }, { shape: [5] }, { shape: [3, 7] }], (en, [a, w, b, v]) => {
      const x = en.matmul(a, w, { bias: b }); // [3, 5]: its texture has a padding row
      const y = en.matmul(x, v, { transposeA: true }); // sums over the 3 rows
      return en.add(y, en.sumAll(x));
    });
    expectClose(r);
  });

  it('a reshape that changes the last dimension (a different texture layout) reads correctly', () => {
    const r = sameOnBoth([{ shape: [4, 6] }], (en, [x]) => en.sumLast(en.exp(x).reshape([3, 8])));
    expectClose(r);
  });

  it('read() resolves to the values readSync() returns', async () => {
    const x = e.tensor(values(35), [5, 7]);
    const y = e.tanh(x);
    const [a, b] = [await y.data(), y.dataSync()];
    expect(Array.from(a)).toEqual(Array.from(b));
    x.dispose();
    y.dispose();
  });
});

describe('misuse and failure', () => {
  it('write with the wrong number of values is a BackendError naming the shape', () => {
    expect(() => backend.write(new Float32Array(5), [2, 3])).toThrow(/write got 5 values for shape \[2, 3\]/);
  });

  it('a lost WebGL context is a typed error on every later call, not NaN or zeros', async () => {
    const mine = await createWebglBackend();
    const en = createEngine(mine);
    const x = en.tensor([1, 2, 3, 4], [2, 2]);
    const lose = mine.gl.getExtension('WEBGL_lose_context');
    expect(lose).not.toBeNull();
    lose!.loseContext();
    const err = (() => {
      try {
        en.exp(x);
      } catch (caught) {
        return caught;
      }
    })();
    expect(err).toBeInstanceOf(WebglContextLostError);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('E_BACKEND');
    expect((err as Error).message).toMatch(/context was lost \(detected in exp\).*resume training from your last checkpoint/);
    expect(() => x.dataSync()).toThrow(WebglContextLostError);
    await expect(x.data()).rejects.toThrow(WebglContextLostError);
    expect(() => en.tensor([1], [1])).toThrow(WebglContextLostError);
    expect(() => x.dispose()).not.toThrow();
    mine.destroy();
  });

  it('calls after destroy() throw a BackendError', async () => {
    const mine = await createWebglBackend();
    const en = createEngine(mine);
    mine.destroy();
    expect(() => en.tensor([1], [1])).toThrow(/called after destroy\(\)/);
  });
});

describe('reductions over many rows', () => {
  it('sumBatch over 1601 and 1600 rows (two-level column sums) and over a [M, A, C] batch', () => {
    for (const rows of [1601, 1600, 66]) expectClose(sameOnBoth([{ shape: [rows, 7] }], (en, [x]) => en.sumBatch(x)), 1e-4);
    expectClose(sameOnBoth([{ shape: [9, 3, 5] }], (en, [x]) => en.sumBatch(x)));
  });
});
