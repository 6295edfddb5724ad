/**
 * Tiled matmul with workgroup memory: a workgroup of 8 x 8 invocations computes a 32 x 32 tile
 * of the product, each invocation a 4 x 4 block; per step of 32 along the shared dimension the
 * workgroup stages a 32 x 32 tile of each operand in workgroup memory (every element fetched
 * from the storage buffer once per workgroup instead of once per output). Transposes are read
 * through the index (no transposed copy), the optional bias is added in the same pass, and
 * tiles past the matrix edge load zeros.
 */
import type { Kernel } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { bindings, PRELUDE } from './wgsl.js';

const TILE = 32;

/** p.u0 = M, p.u1 = K, p.u2 = N, p.u3 = transposeA, p.u4 = transposeB. */
function matmulShader(bias: boolean): string {
  return `${PRELUDE}
${bindings(bias ? ['A', 'B', 'bias'] : ['A', 'B'], ['C'])}
var<workgroup> As: array<f32, ${TILE * TILE}>;
var<workgroup> Bs: array<f32, ${TILE * TILE}>;
fn aAt(r: u32, k: u32) -> f32 {
  if (r >= p.u0 || k >= p.u1) { return 0.0; }
  if (p.u3 == 1u) { return A[k * p.u0 + r]; }
  return A[r * p.u1 + k];
}
fn bAt(k: u32, c: u32) -> f32 {
  if (k >= p.u1 || c >= p.u2) { return 0.0; }
  if (p.u4 == 1u) { return B[c * p.u1 + k]; }
  return B[k * p.u2 + c];
}
@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>) {
  let row0 = w.y * ${TILE}u;
  let col0 = w.x * ${TILE}u;
  let t = l.y * 8u + l.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < p.u1; k0 += ${TILE}u) {
    for (var e = t; e < ${TILE * TILE}u; e += 64u) {
      As[e] = aAt(row0 + e / ${TILE}u, k0 + e % ${TILE}u);
      Bs[e] = bAt(k0 + e / ${TILE}u, col0 + e % ${TILE}u);
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) {
      var bv: array<f32, 4>;
      for (var j = 0u; j < 4u; j++) { bv[j] = Bs[k * ${TILE}u + l.x * 4u + j]; }
      for (var i = 0u; i < 4u; i++) {
        let a = As[(l.y * 4u + i) * ${TILE}u + k];
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += a * bv[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + l.y * 4u + i;
    if (r >= p.u0) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + l.x * 4u + j;
      if (c >= p.u2) { continue; }
      C[r * p.u2 + c] = acc[i * 4u + j]${bias ? ' + bias[c]' : ''};
    }
  }
}`;
}

export function matmulKernel(rt: Runtime): Kernel<'matmul'> {
  const plain = matmulShader(false);
  const withBias = matmulShader(true);
  return ([a, b, bias], { transposeA, transposeB }, outShape) => {
    const [m, n] = outShape;
    const k = transposeA ? a.shape[0] : a.shape[1];
    const c = rt.alloc(m * n, 'matmul');
    rt.run({
      shader: bias ? withBias : plain,
      inputs: bias ? [a.dataId, b.dataId, bias.dataId] : [a.dataId, b.dataId],
      outputs: [c],
      params: { u: [m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0] },
      groups: [Math.ceil(n / TILE), Math.ceil(m / TILE)],
    });
    return c;
  };
}
