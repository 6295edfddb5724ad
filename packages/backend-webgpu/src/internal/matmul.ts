/**
 * matmul, two ways, both with one pipeline per transpose pair and bias (sizes are parameters, and
 * a transposed operand is read through its index, so no kernel branches on a parameter: a
 * software rasteriser runs both sides of such a branch for every element).
 *
 * - `workgroup` (the default on a GPU): a tiled matmul in workgroup memory. A workgroup of 8 x 8
 *   invocations computes a 32 x 32 tile of the product, each invocation a 4 x 4 block in four
 *   vec4 accumulators; per step of 32 along the shared dimension the workgroup stages a 32 x 32
 *   tile of each operand in workgroup memory, as vec4s laid out so an invocation reads one vec4
 *   of A and one of B per 16 multiply-adds. Every element is fetched from the storage buffer
 *   once per workgroup instead of once per output.
 * - `registers` (the default on a CPU adapter such as SwiftShader): the same 4 x 4 blocks, each
 *   invocation reading its operands straight from the buffers. There workgroup barriers cost
 *   more than the fetches they save (measured: 3-5x slower on SwiftShader).
 *
 * Row and column indices past the edge are clamped rather than tested (the values computed
 * there are never stored); depth past K reads 0 (a select, not a branch). The bias is added in
 * the same pass.
 */
import type { Kernel } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { bindings, PRELUDE } from './wgsl.js';

export type MatmulKind = 'workgroup' | 'registers';

const TILE = 32;

/**
 * The registers kernels' invocation: the 4 x 4 block at (r0, c0), its rows ra..rd and columns
 * ca..cd clamped to the matrix, four vec4 accumulators; and its end: bias, clipped stores.
 */
const BLOCK_START = /* wgsl */ `@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let M = p.u0; let K = p.u1; let N = p.u2;
  let r0 = g.y * 4u;
  let c0 = g.x * 4u;
  if (r0 >= M || c0 >= N) { return; }
  let ra = r0; let rb = min(r0 + 1u, M - 1u); let rc = min(r0 + 2u, M - 1u); let rd = min(r0 + 3u, M - 1u);
  let ca = c0; let cb = min(c0 + 1u, N - 1u); let cc = min(c0 + 2u, N - 1u); let cd = min(c0 + 3u, N - 1u);
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);`;
const blockEnd = (bias: boolean) => {
  const plus = bias ? ' + bias4' : '';
  return `  ${bias ? 'let bias4 = vec4<f32>(bias[ca], bias[cb], bias[cc], bias[cd]);' : ''}
  store(r0, c0, acc0${plus}); store(r0 + 1u, c0, acc1${plus}); store(r0 + 2u, c0, acc2${plus}); store(r0 + 3u, c0, acc3${plus});
}
${STORE}`;
};

const STORE = /* wgsl */ `fn store(r: u32, c: u32, v: vec4<f32>) {
  if (r >= p.u0) { return; }
  let base = r * p.u2;
  if (c < p.u2) { C[base + c] = v.x; }
  if (c + 1u < p.u2) { C[base + c + 1u] = v.y; }
  if (c + 2u < p.u2) { C[base + c + 2u] = v.z; }
  if (c + 3u < p.u2) { C[base + c + 3u] = v.w; }
}`;

/** p.u0 = M, p.u1 = K, p.u2 = N. One pipeline per transpose pair and bias (no branches inside). */
function workgroupShader(bias: boolean, ta: boolean, tb: boolean): string {
  // Row and column indices are clamped, not tested: a row past M reads row M-1 and computes a
  // value nobody stores. Depth past K reads 0 from A (a select, not a branch).
  const a = (r: string) => `select(0.0, ${ta ? `A[kc * M + ${r}]` : `A[${r} * K + kc]`}, k < K)`;
  const b = (c: string) => (tb ? `B[${c} * K + kc]` : `B[kc * N + ${c}]`);
  const row = (g: string) => `min(row0 + ${g}, M - 1u)`;
  const col = (g: string) => `min(col0 + ${g}, N - 1u)`;
  return `${PRELUDE}
${bindings(bias ? ['A', 'B', 'bias'] : ['A', 'B'], ['C'])}
// Tiles in workgroup memory as vec4s: As[k * 8 + g] holds rows 4g..4g+3 of the A tile at depth k,
// Bs[k * 8 + g] columns 4g..4g+3 of the B tile.
var<workgroup> As: array<vec4<f32>, ${(TILE * TILE) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(TILE * TILE) / 4}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>) {
  let M = p.u0; let K = p.u1; let N = p.u2;
  let row0 = w.y * ${TILE}u;
  let col0 = w.x * ${TILE}u;
  let t = l.y * 8u + l.x;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += ${TILE}u) {
    for (var e = t; e < ${(TILE * TILE) / 4}u; e += 64u) {
      let k = k0 + e / 8u;
      let kc = min(k, K - 1u);
      let g = (e % 8u) * 4u;
      As[e] = vec4<f32>(${a(row('g'))}, ${a(row('g + 1u'))}, ${a(row('g + 2u'))}, ${a(row('g + 3u'))});
      Bs[e] = vec4<f32>(${b(col('g'))}, ${b(col('g + 1u'))}, ${b(col('g + 2u'))}, ${b(col('g + 3u'))});
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) {
      let av = As[k * 8u + l.y];
      let bv = Bs[k * 8u + l.x];
      acc0 += av.x * bv; acc1 += av.y * bv; acc2 += av.z * bv; acc3 += av.w * bv;
    }
    workgroupBarrier();
  }
  let r0 = row0 + l.y * 4u;
  let c0 = col0 + l.x * 4u;
  ${bias ? `let bias4 = vec4<f32>(bias[${col('l.x * 4u')}], bias[${col('l.x * 4u + 1u')}], bias[${col('l.x * 4u + 2u')}], bias[${col('l.x * 4u + 3u')}]);` : ''}
  store(r0, c0, acc0${bias ? ' + bias4' : ''}); store(r0 + 1u, c0, acc1${bias ? ' + bias4' : ''}); store(r0 + 2u, c0, acc2${bias ? ' + bias4' : ''}); store(r0 + 3u, c0, acc3${bias ? ' + bias4' : ''});
}
${STORE}`;
}

/** The same product without workgroup memory: each invocation reads its operands from the buffers. */
function registersShader(bias: boolean, ta: boolean, tb: boolean): string {
  // Row and column indices are clamped, not tested: a row past M reads row M-1, computes a
  // value nobody stores, and the inner loop has no branch.
  const a = (r: string) => (ta ? `A[k * M + ${r}]` : `A[${r} * K + k]`);
  const b = (c: string) => (tb ? `B[${c} * K + k]` : `B[k * N + ${c}]`);
  return `${PRELUDE}
${bindings(bias ? ['A', 'B', 'bias'] : ['A', 'B'], ['C'])}
${BLOCK_START}
  for (var k = 0u; k < K; k++) {
    let av = vec4<f32>(${a('ra')}, ${a('rb')}, ${a('rc')}, ${a('rd')});
    let bv = vec4<f32>(${b('ca')}, ${b('cb')}, ${b('cc')}, ${b('cd')});
    acc0 += av.x * bv; acc1 += av.y * bv; acc2 += av.z * bv; acc3 += av.w * bv;
  }
${blockEnd(bias)}`;
}

/**
 * registersShader with 4-wide loads along the shared dimension (K % 4 == 0, and M % 4 == 0 for
 * a transposed A, N % 4 == 0 for a plain B: the operands read as vec4 arrays): per 4 steps of K
 * an invocation loads four vec4s of each operand instead of 32 scalars and multiplies 4 x 4
 * blocks as matrices.
 */
function registersVec4Shader(bias: boolean, ta: boolean, tb: boolean): string {
  // Each of A's and B's 4 x 4 blocks at depth k..k+3 as 4 vec4s: a row-of-the-product-major
  // block of A (a_r over k) and a column-major block of B (b_c over k), so acc_r += a_r * Bm.
  const aRows = ta
    ? 'let at = mat4x4<f32>(A4[(k * M + r0) / 4u], A4[((k + 1u) * M + r0) / 4u], A4[((k + 2u) * M + r0) / 4u], A4[((k + 3u) * M + r0) / 4u]);\n    let am = transpose(at);'
    : 'let am = mat4x4<f32>(A4[(ra * K + k) / 4u], A4[(rb * K + k) / 4u], A4[(rc * K + k) / 4u], A4[(rd * K + k) / 4u]);';
  const bBlock = tb
    ? 'let bm = mat4x4<f32>(B4[(ca * K + k) / 4u], B4[(cb * K + k) / 4u], B4[(cc * K + k) / 4u], B4[(cd * K + k) / 4u]);'
    : 'let bm = transpose(mat4x4<f32>(B4[(k * N + c0) / 4u], B4[((k + 1u) * N + c0) / 4u], B4[((k + 2u) * N + c0) / 4u], B4[((k + 3u) * N + c0) / 4u]));';
  return `${PRELUDE}
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
${bias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
@group(0) @binding(${bias ? 4 : 3}) var<storage, read_write> C: array<f32>;
${BLOCK_START}
  for (var k = 0u; k < K; k += 4u) {
    ${aRows}
    ${bBlock}
    acc0 += am[0] * bm; acc1 += am[1] * bm; acc2 += am[2] * bm; acc3 += am[3] * bm;
  }
${blockEnd(bias)}`;
}

export function matmulKernel(rt: Runtime, kind: MatmulKind): Kernel<'matmul'> {
  const make = kind === 'workgroup' ? workgroupShader : registersShader;
  // Both compute 32 x 32 output tiles per workgroup of 8 x 8 invocations (4 x 4 each).
  const shaders = new Map<string, string>();
  const shaderFor = (bias: boolean, ta: boolean, tb: boolean) => {
    const key = `${+bias}${+ta}${+tb}`;
    let sh = shaders.get(key);
    if (!sh) shaders.set(key, (sh = make(bias, ta, tb)));
    return sh;
  };
  const vec4Shaders = new Map<string, string>();
  const vec4For = (bias: boolean, ta: boolean, tb: boolean) => {
    const key = `${+bias}${+ta}${+tb}`;
    let sh = vec4Shaders.get(key);
    if (!sh) vec4Shaders.set(key, (sh = registersVec4Shader(bias, ta, tb)));
    return sh;
  };
  return ([a, b, bias], { transposeA, transposeB }, outShape) => {
    const [m, n] = outShape;
    const k = transposeA ? a.shape[0] : a.shape[1];
    const c = rt.alloc(m * n, 'matmul');
    const vec4 = kind === 'registers' && k % 4 === 0 && k > 0 && (!transposeA || m % 4 === 0) && (transposeB || n % 4 === 0);
    rt.run({
      shader: vec4 ? vec4For(!!bias, transposeA, transposeB) : shaderFor(!!bias, transposeA, transposeB),
      inputs: bias ? [a.dataId, b.dataId, bias.dataId] : [a.dataId, b.dataId],
      outputs: [c],
      params: { u: [m, k, n] },
      groups: [Math.ceil(n / TILE), Math.ceil(m / TILE)],
    });
    return c;
  };
}
