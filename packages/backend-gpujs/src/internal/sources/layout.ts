/**
 * Data movement over flat buffers: time slices, column slices, stacking and concatenation,
 * one-hot, row gather and scatter-add. Shape numbers are constants; the position of a slice
 * (t, start) is an argument so one kernel serves every position.
 */

/** x [B, T, D] -> x[:, t, :] [B, D]. */
export const SLICE_TIME = `function (x, t) {
  var i = this.thread.x;
  var b = rowOf(i, this.constants.D);
  var d = i - b * this.constants.D;
  return x[(b * this.constants.T + t) * this.constants.D + d];
}`;

/** x [M, N] -> x[:, start:start+size] [M, size]. */
export const SLICE_COLS = `function (x, start) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.size);
  var j = i - r * this.constants.size;
  return x[r * this.constants.N + start + j];
}`;

/** Inputs per stacking or concatenation pass: WebGL guarantees 16 texture units per shader. */
export const GROUP = 8;

const names = (count: number): string[] => Array.from({ length: count }, (_, k) => `x${k}`);

/**
 * Writes `count` [B, D] inputs at time steps t0 .. t0+count-1 of a [B, T, D] output, and
 * copies every other position from `prev` (the previous pass's output) when there is one.
 */
export function stackTimeSource(count: number, withPrev: boolean): string {
  const args = [...(withPrev ? ['prev'] : []), ...names(count), 't0'].join(', ');
  const picks = names(count)
    .map((x, k) => `  if (o == ${k}) { return ${x}[q]; }`)
    .join('\n');
  return `function (${args}) {
  var i = this.thread.x;
  var b = rowOf(i, this.constants.TD);
  var rem = i - b * this.constants.TD;
  var t = rowOf(rem, this.constants.D);
  var q = b * this.constants.D + rem - t * this.constants.D;
  var o = t - t0;
${picks}
  return ${withPrev ? 'prev[i]' : '0'};
}`;
}

/**
 * Writes `count` [M, w_k] inputs at column offsets o_k (constants w0.., o0..) of an [M, N]
 * output, and copies every other column from `prev` when there is one.
 */
export function concatColsSource(count: number, withPrev: boolean): string {
  const args = [...(withPrev ? ['prev'] : []), ...names(count)].join(', ');
  const picks = names(count)
    .map(
      (x, k) =>
        `  if (c >= this.constants.o${k}) { if (c < this.constants.o${k} + this.constants.w${k}) { return ${x}[r * this.constants.w${k} + c - this.constants.o${k}]; } }`,
    )
    .join('\n');
  return `function (${args}) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.N);
  var c = i - r * this.constants.N;
${picks}
  return ${withPrev ? 'prev[i]' : '0'};
}`;
}

/** labels [L] -> [L, depth]; a label is rounded to the nearest integer, out of range gives a zero row. */
export const ONE_HOT = `function (labels) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.depth);
  var k = i - r * this.constants.depth;
  if (k == Math.floor(labels[r] + 0.5)) { return 1; }
  return 0;
}`;

/** table [V, E], indices [N] -> [N, E]; an index outside [0, V) gives a zero row. */
export const GATHER_ROWS = `function (table, indices) {
  var i = this.thread.x;
  var n = rowOf(i, this.constants.E);
  var j = i - n * this.constants.E;
  var r = Math.floor(indices[n] + 0.5);
  if (r >= 0) {
    if (r < this.constants.V) { return table[r * this.constants.E + j]; }
  }
  return 0;
}`;

/**
 * values [N, E], indices [N] -> [rows, E]: out[r] = sum of values[n] over n with index r.
 * Written gather-style (each output element loops over N): gpu.js has no atomic adds.
 */
export const SCATTER_ADD_ROWS = `function (values, indices) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.E);
  var j = i - r * this.constants.E;
  var s = 0;
  for (var n = 0; n < this.constants.N; n++) {
    if (Math.floor(indices[n] + 0.5) == r) {
      s += values[n * this.constants.E + j];
    }
  }
  return s;
}`;
