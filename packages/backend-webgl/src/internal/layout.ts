/**
 * Data movement: time and column slices, stacking and concatenation, fill, one-hot, and the
 * embedding gather / scatter-add. A program samples at most `maxInputs` textures, so joining more
 * parts takes a pass per group of maxInputs, then a pass joining the groups. Stacking T steps
 * joins them side by side as column blocks ([B, T*D]: neighbouring texels read the same input,
 * which keeps a software rasteriser's SIMD lanes together) and re-lays the result out as rows.
 */
import type { Kernels } from '@recurrent/core';
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { Blitter } from './blit.js';
import { defineProgram, type ProgramDef } from './program.js';
import { mat } from './store.js';
import type { Gl } from './types.js';

const SLICE_TIME = defineProgram(
  ['X'],
  [
    { name: 'uT', type: 'int' },
    { name: 'uTime', type: 'int' },
  ],
  `vec4 value(int r, int c) { return vec4(row_X(r * uT + uTime, c), row_X((r + 1) * uT + uTime, c)); }`,
);

const SLICE_COLS = defineProgram(['X'], [{ name: 'uStart', type: 'int' }], `vec4 value(int r, int c) { return blk_X(r, uStart + c); }`);

const FILL = defineProgram([], [{ name: 'uV', type: 'float' }], `vec4 value(int r, int c) { return vec4(uV); }`);

/** Labels L (any 2-D storage with uLC columns), row n of the output is label n. */
const ONE_HOT = defineProgram(
  ['L'],
  [{ name: 'uLC', type: 'int' }],
  `float lab(int n) { int q = n / uLC; return floor(el_L(q, n - q * uLC) + 0.5); }
  vec4 value(int r, int c) {
    float a = lab(r);
    float b = lab(r + 1);
    float c0 = float(c);
    float c1 = float(c + 1);
    return vec4(a == c0 ? 1.0 : 0.0, a == c1 ? 1.0 : 0.0, b == c0 ? 1.0 : 0.0, b == c1 ? 1.0 : 0.0);
  }`,
);

/** Table T [V, E], indices I [1, N] -> [N, E]; an index outside [0, V) gives a zero row. */
const GATHER_ROWS = defineProgram(
  ['T', 'I'],
  [{ name: 'uV', type: 'int' }],
  `vec2 rowOf(float idx, int c) {
    int k = int(floor(idx + 0.5));
    if (k < 0 || k >= uV) return vec2(0.0);
    return row_T(k, c);
  }
  vec4 value(int r, int c) { return vec4(rowOf(el_I(0, r), c), rowOf(el_I(0, r + 1), c)); }`,
);

/** Values V [N, E], indices I [1, N] -> [rows, E]: out[k] = sum of V[n] with round(I[n]) = k. */
const SCATTER_ADD_ROWS = defineProgram(
  ['V', 'I'],
  [{ name: 'uN', type: 'int' }],
  `vec4 value(int r, int c) {
    vec4 s = vec4(0.0);
    for (int n = 0; n < uN; n++) {
      int k = int(floor(el_I(0, n) + 0.5));
      if (k == r) s.xy += row_V(n, c);
      else if (k == r + 1) s.zw += row_V(n, c);
    }
    return s;
  }`,
);

const cached = (make: (n: number) => ProgramDef) => {
  const m = new Map<number, ProgramDef>();
  return (n: number): ProgramDef => {
    let d = m.get(n);
    if (!d) m.set(n, (d = make(n)));
    return d;
  };
};

const names = (n: number) => Array.from({ length: n }, (_, i) => `P${i}`);

/** [B, T*D] (step t in columns t*D ..) -> [B*T, D] (row b*T + t): the same numbers, re-laid out. */
const BLOCKS_TO_ROWS = defineProgram(
  ['X'],
  [
    { name: 'uT', type: 'int' },
    { name: 'uD', type: 'int' },
  ],
  `vec2 pair(int q, int c) { int b = q / uT; int t = q - b * uT; return rowu_X(b, t * uD + c); }
  vec4 value(int r, int c) { return vec4(pair(r, c), pair(r + 1, c)); }`,
);

/** n parts [M, N_i] -> [M, sum N_i]; uOff[i] = first column of part i. */
const concatColsDef = cached((n) => {
  const ps = names(n);
  const pick = (fn: string) =>
    ps
      .map((p, i) => {
        const ret = `return ${fn}_${p}(r, c - uOff[${i}]);`;
        return i < n - 1 ? `if (c < uOff[${i + 1}]) ${ret}` : ret;
      })
      .join('\n    ');
  // Neighbouring texels almost always read the same part, so the branches stay coherent.
  return defineProgram(
    ps,
    [{ name: 'uOff', type: 'int', size: n + 1 }],
    `vec2 colAt(int r, int c) {
    ${pick('col')}
  }
  vec4 blkAt(int r, int c) {
    ${pick('blk')}
  }
  int partOf(int c) { int i = 0; while (i < ${n - 1} && c >= uOff[i + 1]) i++; return i; }
  vec4 value(int r, int c) {
    if (partOf(c) == partOf(c + 1)) return blkAt(r, c);
    vec2 a = colAt(r, c);
    vec2 b = colAt(r, c + 1);
    return vec4(a.x, b.x, a.y, b.y);
  }`,
  );
});

const offsets = (sizes: number[]): number[] => {
  const off = [0];
  for (const s of sizes) off.push(off[off.length - 1] + s);
  return off;
};

export function layoutKernels(g: Gl): Pick<Kernels, 'sliceTime' | 'stackTime' | 'sliceCols' | 'concatCols' | 'fill' | 'oneHot' | 'gatherRows' | 'scatterAddRows'> {
  const blitter = new Blitter(g, g.gl);
  const concatCols = (parts: TfInfo[], rows: number): TfInfo => {
    // Few inputs per pass: a software rasteriser runs every branch of the pick for every texel.
    const max = Math.min(g.maxInputs, 4);
    if (parts.length <= max) {
      const off = offsets(parts.map((p) => p.shape[1]));
      return g.tmp(concatColsDef(parts.length), parts, [rows, off[off.length - 1]], [off]);
    }
    const groups: TfInfo[] = [];
    for (let i = 0; i < parts.length; i += max) groups.push(concatCols(parts.slice(i, i + max), rows));
    const out = concatCols(groups, rows);
    for (const grp of groups) g.free(grp);
    return out;
  };

  return {
    sliceTime: ([x], { t }, out) => g.run(SLICE_TIME, [g.store.input(x, 'sliceTime')], mat(out), [x.shape[1], t]),
    stackTime: (xs, _a, [b, t, d]) => {
      const ins = xs.map((x) => g.store.input(x, 'stackTime'));
      const copied = blitter.stack(ins, b, d);
      if (copied) return g.store.put(copied);
      // Steps side by side as column blocks [B, T*D], then re-laid out as rows.
      const blocks = concatCols(ins, b);
      const id = g.run(BLOCKS_TO_ROWS, [blocks], [b * t, d], [t, d]);
      g.free(blocks);
      return id;
    },
    sliceCols: ([x], { start }, out) => g.run(SLICE_COLS, [g.store.input(x, 'sliceCols')], mat(out), [start]),
    concatCols: (xs, _a, [m]) =>
      g.store.put(
        concatCols(
          xs.filter((x) => x.shape[1] > 0).map((x) => g.store.input(x, 'concatCols')),
          m,
        ),
      ),
    fill: (_i, { value }, out) => g.run(FILL, [], mat(out), [value]),
    oneHot: ([labels], _a, out) => {
      const li = g.store.input(labels, 'oneHot');
      return g.run(ONE_HOT, [li], mat(out), [li.shape[1]]);
    },
    gatherRows: ([table, idx], _a, out) =>
      g.run(GATHER_ROWS, [g.store.input(table, 'gatherRows'), g.store.input(idx, 'gatherRows')], mat(out), [table.shape[0]]),
    scatterAddRows: ([values, idx], _a, out) =>
      g.run(SCATTER_ADD_ROWS, [g.store.input(values, 'scatterAddRows'), g.store.input(idx, 'scatterAddRows')], mat(out), [values.shape[0]]),
  };
}
