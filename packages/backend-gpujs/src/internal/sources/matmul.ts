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
