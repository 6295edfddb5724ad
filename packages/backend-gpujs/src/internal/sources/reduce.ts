/** Reductions over flat buffers; loop lengths are constants (see matmul.ts on loop caps). */

/** x [M, R] (R = product of the other dims) -> [R]: out[j] = sum over m of x[m*R + j]. */
export const SUM_BATCH = `function (x) {
  var j = this.thread.x;
  var s = 0;
  for (var m = 0; m < this.constants.M; m++) {
    s += x[m * this.constants.R + j];
  }
  return s;
}`;

/** x [rows, N] -> [rows]: out[r] = sum over j of x[r*N + j]. */
export const SUM_LAST = `function (x) {
  var base = this.thread.x * this.constants.N;
  var s = 0;
  for (var j = 0; j < this.constants.N; j++) {
    s += x[base + j];
  }
  return s;
}`;

/**
 * Partial sums of `size` elements in chunks of `chunk`: out[q] = sum of x[q*chunk ..]. A
 * whole-tensor sum runs this twice (chunk ~ sqrt(size)), so no thread loops over everything.
 */
export const SUM_CHUNKS = `function (x) {
  var base = this.thread.x * this.constants.chunk;
  var s = 0;
  for (var p = 0; p < this.constants.chunk; p++) {
    if (base + p < this.constants.size) {
      s += x[base + p];
    }
  }
  return s;
}`;

/**
 * Row statistics for softmax: out [rows*2] holds each row's max at 2r and the sum of
 * exp(x - max) at 2r + 1 (x [rows, N]).
 */
export const ROW_MAX_SUM = `function (x) {
  var t = this.thread.x;
  var r = Math.floor(t / 2);
  var base = r * this.constants.N;
  var m = x[base];
  for (var j = 1; j < this.constants.N; j++) {
    m = Math.max(m, x[base + j]);
  }
  if (t - r * 2 < 0.5) { return m; }
  var s = 0;
  for (var k = 0; k < this.constants.N; k++) {
    s += Math.exp(x[base + k] - m);
  }
  return s;
}`;

/** softmax from the row statistics: exp(x - max) / sum. */
export const SOFTMAX = `function (x, stats) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.N);
  return Math.exp(x[i] - stats[2 * r]) / stats[2 * r + 1];
}`;

/** log-softmax from the row statistics: x - max - log(sum). */
export const LOG_SOFTMAX = `function (x, stats) {
  var i = this.thread.x;
  var r = rowOf(i, this.constants.N);
  return x[i] - stats[2 * r] - Math.log(stats[2 * r + 1]);
}`;
