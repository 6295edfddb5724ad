/**
 * What every shader of this backend shares: the parameter block (binding 0, one uniform struct
 * of 8 u32 and 8 f32 slots, filled per dispatch), the flat invocation index over a 2-D grid of
 * workgroups (so more than 65535 x 64 elements can be covered), and numerically safe activations.
 */

/** Invocations per workgroup of the element-wise shaders. */
export const WG = 64;

/** Values of the parameter block: up to 8 unsigned and 8 float slots. */
export interface Params {
  u?: number[];
  f?: number[];
}

export const PARAMS_BYTES = 64;

export const PRELUDE = /* wgsl */ `
struct P { u0: u32, u1: u32, u2: u32, u3: u32, u4: u32, u5: u32, u6: u32, u7: u32,
           f0: f32, f1: f32, f2: f32, f3: f32, f4: f32, f5: f32, f6: f32, f7: f32 }
@group(0) @binding(0) var<uniform> p: P;
fn sigm(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tanh_(x: f32) -> f32 {
  // exp of a non-positive number never overflows; tanh is odd.
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
`;

/** Binding declarations: inputs (read-only) from binding 1, then outputs. */
export function bindings(inputs: readonly string[], outputs: readonly string[]): string {
  const ins = inputs.map((n, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${n}: array<f32>;`);
  const outs = outputs.map((n, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${n}: array<f32>;`);
  return [...ins, ...outs].join('\n');
}

/** A shader with one invocation per element `i` in [0, p.u0): `body` sees `i`. */
export function perElement(inputs: readonly string[], outputs: readonly string[], body: string, helpers = ''): string {
  return `${PRELUDE}
${bindings(inputs, outputs)}
${helpers}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p.u0) { return; }
  ${body}
}`;
}
