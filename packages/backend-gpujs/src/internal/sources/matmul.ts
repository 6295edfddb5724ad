/**
 * op(a) @ op(b) (+ bias) over flat buffers: output [M*N], thread x = i*N + j.
 * Constants: M, N, K. The K loop is bounded by a constant, and the kernel's
 * loopMaxIterations is set from K as well (gpu.js caps loops it cannot prove bounded at
 * loopMaxIterations, 1000 by default, silently). Indices advance by a stride instead of being
 * recomputed per term: gpu.js's webasm code pays for every multiply in the loop.
 */
export function matmulSource(transposeA: boolean, transposeB: boolean, bias: boolean): string {
  // a is [M, K] (or [K, M] transposed), b is [K, N] (or [N, K] transposed)
  const [aStart, aStep] = transposeA ? ['r', 'this.constants.M'] : ['r * this.constants.K', '1'];
  const [bStart, bStep] = transposeB ? ['c * this.constants.K', '1'] : ['c', 'this.constants.N'];
  const args = bias ? 'a, b, bias' : 'a, b';
  return `function (${args}) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.N);
  var c = i - r * this.constants.N;
  var ai = ${aStart};
  var bi = ${bStart};
  var s = ${bias ? 'bias[c]' : '0'};
  for (var p = 0; p < this.constants.K; p++) {
    s += a[ai] * b[bi];
    ai += ${aStep};
    bi += ${bStep};
  }
  return s;
}`;
}

/**
 * GL modes: the rows of op(X) packed four values to a texel, so the matmul below reads four
 * multiply-adds' worth of each operand per texture fetch instead of one (gpu.js stores one float
 * per texel in single precision, and a fetch with its index arithmetic is what a matmul costs).
 * Output: R*K4 texels (an Array(4) kernel); texel (row, q) holds row elements 4q..4q+3, zero
 * past K. `transposed`: X is stored [K, R] (element (row, k) at k*R + row), else [R, K].
 * Constants: R, K, K4 = ceil(K / 4).
 */
export function packRowsSource(transposed: boolean): string {
  const at = (k: string) => (transposed ? `x[(${k}) * this.constants.R + row]` : `x[row * this.constants.K + ${k}]`);
  return `function (x) {
  var t = this.thread.x;
  var row = rowOf(t, this.constants.K4);
  var k = 4 * (t - row * this.constants.K4);
  var v0 = ${at('k')};
  var v1 = 0;
  var v2 = 0;
  var v3 = 0;
  if (k + 1 < this.constants.K) { v1 = ${at('k + 1')}; }
  if (k + 2 < this.constants.K) { v2 = ${at('k + 2')}; }
  if (k + 3 < this.constants.K) { v3 = ${at('k + 3')}; }
  return [v0, v1, v2, v3];
}`;
}

/**
 * a4 @ b4^T over packed rows (packRowsSource), a 2x2 block of outputs per thread: a4 holds the
 * M rows of op(a), b4 the N columns of op(b), K4 texels each. Four fetches per 16 multiply-adds
 * (the ratio of tfjs's packed matmul). Output: MB*NB blocks (an Array(4) kernel), block
 * (rb, cb) = [(2rb, 2cb), (2rb, 2cb+1), (2rb+1, 2cb), (2rb+1, 2cb+1)]; past the last row or
 * column the block repeats it (unpackBlocksSource never reads those). Constants: M, N, NB, K4.
 */
export const BLOCK_MATMUL = `function (a4, b4) {
  var t = this.thread.x;
  var rb = rowOf(t, this.constants.NB);
  var cb = t - rb * this.constants.NB;
  var r0 = 2 * rb;
  var c0 = 2 * cb;
  var r1 = Math.min(r0 + 1, this.constants.M - 1);
  var c1 = Math.min(c0 + 1, this.constants.N - 1);
  var a0 = r0 * this.constants.K4;
  var a1 = r1 * this.constants.K4;
  var b0 = c0 * this.constants.K4;
  var b1 = c1 * this.constants.K4;
  var s00 = 0;
  var s01 = 0;
  var s10 = 0;
  var s11 = 0;
  for (var p = 0; p < this.constants.K4; p++) {
    var x0 = a4[a0 + p];
    var x1 = a4[a1 + p];
    var y0 = b4[b0 + p];
    var y1 = b4[b1 + p];
    s00 += x0[0] * y0[0] + x0[1] * y0[1] + x0[2] * y0[2] + x0[3] * y0[3];
    s01 += x0[0] * y1[0] + x0[1] * y1[1] + x0[2] * y1[2] + x0[3] * y1[3];
    s10 += x1[0] * y0[0] + x1[1] * y0[1] + x1[2] * y0[2] + x1[3] * y0[3];
    s11 += x1[0] * y1[0] + x1[1] * y1[1] + x1[2] * y1[2] + x1[3] * y1[3];
  }
  return [s00, s01, s10, s11];
}`;

/**
 * a4 @ b4^T over packed rows, a 4x4 block of outputs per thread (where gpu.js has kernel maps):
 * 8 fetches per 64 multiply-adds, twice the ratio of 2x2 blocks. Block (rb, cb) covers rows
 * 4rb..4rb+3 and columns 4cb..4cb+3; its row k goes to output texture k (the main result and
 * the kernel map's saveRow1..3), four columns to a texel. Rows and columns past the edge repeat
 * the last one and are never read. Constants: M, N, NB = ceil(N / 4), K4.
 */
const rowsAndCols = [0, 1, 2, 3]
  .map(
    (k) =>
      `  var a${k} = Math.min(4 * rb + ${k}, this.constants.M - 1) * this.constants.K4;\n` +
      `  var b${k} = Math.min(4 * cb + ${k}, this.constants.N - 1) * this.constants.K4;`,
  )
  .join('\n');
const accumulators = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => `  var s${i}${j} = 0;`).join('\n')).join('\n');
const dot = (i: number, j: number) => `x${i}[0] * y${j}[0] + x${i}[1] * y${j}[1] + x${i}[2] * y${j}[2] + x${i}[3] * y${j}[3]`;
export const BLOCK4_MATMUL = `function (a4, b4) {
  var t = this.thread.x;
  var rb = rowOf(t, this.constants.NB);
  var cb = t - rb * this.constants.NB;
${rowsAndCols}
${accumulators}
  for (var p = 0; p < this.constants.K4; p++) {
${[0, 1, 2, 3].map((k) => `    var x${k} = a4[a${k} + p];`).join('\n')}
${[0, 1, 2, 3].map((k) => `    var y${k} = b4[b${k} + p];`).join('\n')}
${[0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => `    s${i}${j} += ${dot(i, j)};`).join('\n')).join('\n')}
  }
${[1, 2, 3].map((i) => `  saveRow${i}([s${i}0, s${i}1, s${i}2, s${i}3]);`).join('\n')}
  return [s00, s01, s02, s03];
}`;
export const SAVE_ROWS = Object.fromEntries(
  [1, 2, 3].map((i) => [`row${i}`, `function saveRow${i}(v) {\n  return v;\n}`]),
) as Record<'row1' | 'row2' | 'row3', string>;

/**
 * The [M*N] product (+ bias) from the blocks of BLOCK_MATMUL (size 2: one texture, block element
 * (kr, kc) in component 2kr + kc) or BLOCK4_MATMUL (size 4: row kr in texture kr, column kc in
 * component kc). Constants: N, NB.
 */
export function unpackBlocksSource(size: 2 | 4, bias: boolean): string {
  const blocks = size === 4 ? ['q0', 'q1', 'q2', 'q3'] : ['q0'];
  const pickRow = size === 4 ? [1, 2, 3].map((k) => `\n  if (kr == ${k}) { v = q${k}[idx]; }`).join('') : '';
  return `function (${[...blocks, ...(bias ? ['bias'] : [])].join(', ')}) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.N);
  var c = i - r * this.constants.N;
  var rb = Math.floor(r / ${size});
  var cb = Math.floor(c / ${size});
  var idx = rb * this.constants.NB + cb;
  var kr = r - ${size} * rb;
  var kc = c - ${size} * cb;
  var v = q0[idx];${pickRow}
  var k = ${size === 4 ? 'kc' : '2 * kr + kc'};
  var s = v[0];
  if (k == 1) { s = v[1]; }
  if (k == 2) { s = v[2]; }
  if (k == 3) { s = v[3]; }
  return ${bias ? 's + bias[c]' : 's'};
}`;
}
