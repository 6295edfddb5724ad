/**
 * Every primitive kernel of a backend against the float64 reference backend, on random inputs
 * of many shapes: sizes of 1, odd sizes, sizes that are not multiples of any tile size, and
 * every broadcast form. Returns reports (the CLI prints them; the vitest suite asserts them).
 */
import type { OpAttrs, OpName, Shape } from '../backend.js';
import { createEngine, type Engine, type Tensor } from '../engine.js';
import { sizeOf } from '../internal/shapes.js';
import { compare } from './compare.js';
import type { CaseReport } from './compare.js';
import { readAll } from './read.js';
import { createReferenceBackend } from './reference-backend.js';

/** A tiny deterministic generator for test data (independent of the library's Rng). */
export function testRandom(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

interface Input {
  shape: Shape;
  /** value range; default [-2, 2] */
  range?: [number, number];
  /** integers in [0, n) */
  ints?: number;
  /** 0/1 values */
  bool?: boolean;
}

interface PrimCase {
  op: OpName;
  label: string;
  inputs: Input[];
  attrs: object;
  /** extra absolute tolerance factor (e.g. long sums) */
  scale?: number;
}

const UNARY: [OpName, [number, number]?][] = [
  ['neg'],
  ['exp'],
  ['log', [0.05, 3]],
  ['sqrt', [0.01, 4]],
  ['abs'],
  ['sign'],
  ['square'],
  ['tanh', [-4, 4]],
  ['sigmoid', [-8, 8]],
  ['relu'],
];
const SHAPES: Shape[] = [[1], [1, 1], [7, 13], [32, 65], [3, 5, 7], [2, 1, 33]];
/**
 * The matmul shapes [m, k, n] of the suite, each with every transpose and with and without a
 * bias. The last two reach long-shared-dimension paths (WebGL's four-render-target matmul runs
 * for k >= 512, or k >= 256 with m*n*k >= 4M; the CPU SIMD kernel cuts K into blocks of 256).
 */
export const MATMUL_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [1, 7, 3],
  [7, 13, 5],
  [33, 17, 65],
  [32, 160, 128],
  [5, 64, 1],
  [9, 520, 7],
  [32, 257, 520],
];

function cases(): PrimCase[] {
  const out: PrimCase[] = [];
  for (const [op, range] of UNARY)
    for (const shape of SHAPES) out.push({ op, label: `${op} ${fmt(shape)}`, inputs: [{ shape, range }], attrs: {} });
  for (const op of ['tanhGrad', 'sigmoidGrad', 'reluGrad'] as OpName[])
    for (const shape of [[1], [7, 13], [3, 5, 7]] as Shape[])
      out.push({ op, label: `${op} ${fmt(shape)}`, inputs: [{ shape, range: [-0.99, 0.99] }, { shape }], attrs: {} });
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as OpName[]) {
    const b: Input['range'] = op === 'div' ? [0.5, 2] : undefined;
    const forms: [Shape, Shape, string][] = [
      [[7, 13], [7, 13], 'same'],
      [[1], [1], 'same 1'],
      [[7, 13], [13], 'row'],
      [[3, 5, 7], [7], 'row 3-D'],
      [[7, 13], [7, 1], 'col'],
      [[7, 13], [1], 'scalar'],
      [[2, 3, 4], [], 'scalar rank 0'],
    ];
    for (const [sa, sb, form] of forms)
      out.push({ op, label: `${op} ${fmt(sa)} ${fmt(sb)} (${form})`, inputs: [{ shape: sa }, { shape: sb, range: b }], attrs: {} });
  }
  out.push({ op: 'affine', label: 'affine [7, 13]', inputs: [{ shape: [7, 13] }], attrs: { scale: -1.5, shift: 0.25 } });
  out.push({ op: 'clip', label: 'clip [7, 13]', inputs: [{ shape: [7, 13] }], attrs: { min: -0.5, max: 0.75 } });
  for (const [sa, sc, form] of [
    [[7, 13], [7, 13], 'same'],
    [[7, 13], [7, 1], 'col'],
  ] as [Shape, Shape, string][])
    out.push({
      op: 'where',
      label: `where ${form}`,
      inputs: [{ shape: sc, bool: true }, { shape: sa }, { shape: sa }],
      attrs: {},
    });
  for (const [m, k, n] of MATMUL_SHAPES)
    for (const ta of [false, true])
      for (const tb of [false, true])
        for (const bias of [false, true]) {
          const inputs: Input[] = [{ shape: ta ? [k, m] : [m, k] }, { shape: tb ? [n, k] : [k, n] }];
          if (bias) inputs.push({ shape: [n] });
          out.push({
            op: 'matmul',
            label: `matmul ${m}x${k}x${n}${ta ? ' tA' : ''}${tb ? ' tB' : ''}${bias ? ' +bias' : ''}`,
            inputs,
            attrs: { transposeA: ta, transposeB: tb },
            scale: Math.sqrt(k),
          });
        }
  for (const shape of [[1, 1], [7, 13], [65, 3], [2, 3, 4]] as Shape[]) {
    out.push({ op: 'sumBatch', label: `sumBatch ${fmt(shape)}`, inputs: [{ shape }], attrs: {}, scale: Math.sqrt(shape[0]) });
    out.push({ op: 'sumLast', label: `sumLast ${fmt(shape)}`, inputs: [{ shape }], attrs: {}, scale: Math.sqrt(shape.at(-1)!) });
    out.push({ op: 'sumAll', label: `sumAll ${fmt(shape)}`, inputs: [{ shape }], attrs: {}, scale: Math.sqrt(sizeOf(shape)) });
    out.push({ op: 'softmax', label: `softmax ${fmt(shape)}`, inputs: [{ shape, range: [-10, 10] }], attrs: {} });
    out.push({ op: 'logSoftmax', label: `logSoftmax ${fmt(shape)}`, inputs: [{ shape, range: [-10, 10] }], attrs: {} });
  }
  out.push({ op: 'softmax', label: 'softmax large logits', inputs: [{ shape: [3, 5], range: [80, 120] }], attrs: {} });
  out.push({ op: 'logSoftmax', label: 'logSoftmax large logits', inputs: [{ shape: [3, 5], range: [-120, 120] }], attrs: {} });
  for (const [b, t, d] of [[1, 1, 1], [3, 7, 5], [32, 4, 65]])
    for (const ti of [0, t - 1])
      out.push({ op: 'sliceTime', label: `sliceTime [${b}, ${t}, ${d}] t=${ti}`, inputs: [{ shape: [b, t, d] }], attrs: { t: ti } });
  for (const [b, t, d] of [[1, 1, 1], [3, 7, 5]])
    out.push({ op: 'stackTime', label: `stackTime ${t} x [${b}, ${d}]`, inputs: Array.from({ length: t }, () => ({ shape: [b, d] })), attrs: {} });
  for (const [m, n, start, size] of [[1, 1, 0, 1], [7, 13, 3, 5], [4, 12, 9, 3]])
    out.push({ op: 'sliceCols', label: `sliceCols [${m}, ${n}] ${start}+${size}`, inputs: [{ shape: [m, n] }], attrs: { start, size } });
  out.push({ op: 'concatCols', label: 'concatCols 3 parts', inputs: [{ shape: [5, 1] }, { shape: [5, 7] }, { shape: [5, 3] }], attrs: {} });
  out.push({ op: 'concatCols', label: 'concatCols 1 part', inputs: [{ shape: [2, 4] }], attrs: {} });
  for (const [shape, value] of [[[3, 4], 0], [[1], 2.5], [[2, 3, 5], -1]] as [Shape, number][])
    out.push({ op: 'fill', label: `fill ${fmt(shape)} ${value}`, inputs: [], attrs: { shape, value } });
  for (const [shape, depth] of [[[1], 1], [[7], 5], [[2, 3], 65]] as [Shape, number][])
    out.push({ op: 'oneHot', label: `oneHot ${fmt(shape)} depth ${depth}`, inputs: [{ shape, ints: depth }], attrs: { depth } });
  for (const [v, e, n] of [[1, 1, 1], [7, 5, 13], [65, 16, 40]])
    out.push({ op: 'gatherRows', label: `gatherRows [${v}, ${e}] x ${n}`, inputs: [{ shape: [v, e] }, { shape: [n], ints: v }], attrs: {} });
  for (const [v, e, n] of [[1, 1, 1], [7, 5, 13], [65, 16, 40]])
    out.push({
      op: 'scatterAddRows',
      label: `scatterAddRows [${n}, ${e}] -> ${v} rows`,
      inputs: [{ shape: [n, e] }, { shape: [n], ints: v }],
      attrs: { rows: v },
      scale: Math.sqrt(n / v + 1),
    });
  return out;
}

const fmt = (s: Shape) => `[${s.join(', ')}]`;

function makeValues(rand: ReturnType<typeof testRandom>, input: Input): number[] {
  const n = sizeOf(input.shape);
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (input.ints) v[i] = Math.min(input.ints - 1, Math.floor(rand(0, input.ints)));
    else if (input.bool) v[i] = rand(0, 1) < 0.5 ? 0 : 1;
    else v[i] = rand(...(input.range ?? [-2, 2]));
  }
  return v;
}

export interface PrimitiveCheckOptions {
  /** Absolute tolerance per unit of `scale` (default 1e-5 for float32). */
  atol?: number;
  rtol?: number;
  seed?: number;
  /** Only ops whose label contains this text. */
  filter?: string;
}

/** Runs every primitive op on `engine` and on the float64 reference; one report per case. */
export async function checkPrimitives(engine: Engine, opts: PrimitiveCheckOptions = {}): Promise<CaseReport[]> {
  const float64 = engine.backend.precision === 'float64';
  const atol = opts.atol ?? (float64 ? 1e-12 : 1e-5);
  const rtol = opts.rtol ?? (float64 ? 1e-12 : 1e-5);
  const ref = createEngine(createReferenceBackend());
  const rand = testRandom(opts.seed ?? 1234);
  const reports: CaseReport[] = [];
  for (const c of cases()) {
    if (opts.filter && !c.label.includes(opts.filter)) continue;
    const values = c.inputs.map((i) => makeValues(rand, i));
    try {
      const run = async (e: Engine): Promise<Float64Array> => {
        const out: Tensor = e.scope(() => e.run(c.op, c.inputs.map((inp, k) => e.tensor(values[k], inp.shape)), c.attrs as OpAttrs<typeof c.op>));
        return (await readAll({ out })).out;
      };
      const want = await run(ref);
      const got = await run(engine);
      const check = compare(`${c.op} output`, got, want, atol * (c.scale ?? 1), rtol);
      reports.push({ section: 'primitives', name: c.label, pass: check.pass, checks: [check] });
    } catch (err) {
      reports.push({ section: 'primitives', name: c.label, pass: false, checks: [], error: String((err as Error).message ?? err) });
    }
  }
  if (!opts.filter || WRITE_CASE.includes(opts.filter)) reports.push(await checkWriteCopies(engine));
  return reports;
}

const WRITE_CASE = 'write copies its input (the array changed afterwards changes no tensor)';

/**
 * Backend.write copies its input: Engine.tensor hands it a typed array of the backend's
 * precision as it is, so a caller that changes (or reuses) its array afterwards must not change
 * the tensor.
 */
async function checkWriteCopies(engine: Engine): Promise<CaseReport> {
  const name = WRITE_CASE;
  const want = [1.5, -2, 3.25, 4];
  try {
    const src = engine.backend.precision === 'float64' ? Float64Array.from(want) : Float32Array.from(want);
    const t = engine.tensor(src, [want.length]);
    src.fill(7);
    const { out } = await readAll({ out: t });
    t.dispose();
    const check = compare('tensor after its source array changed', out, want, 0, 0);
    return { section: 'primitives', name, pass: check.pass, checks: [check] };
  } catch (err) {
    return { section: 'primitives', name, pass: false, checks: [], error: String((err as Error).message ?? err) };
  }
}
