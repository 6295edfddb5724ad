/**
 * Our shader programs, run by tfjs's GPGPU machinery (`runWebGLProgram`: texture allocation,
 * compilation, binary cache, draw).
 *
 * Every tensor is a 2-D matrix [rows, cols] in a *packed* texture (tfjs's layout: one RGBA texel
 * holds a 2x2 block, components x y / z w = (r, c) (r, c+1) / (r+1, c) (r+1, c+1)), the layout of
 * tfjs's matmul, so a matmul result feeds the next program without an unpack pass. Each program
 * computes one output texel: `vec4 value(int r, int c)` for the block whose top-left element is
 * (r, c) (both even). Components past the matrix edge are written as 0, so every texture's
 * padding is zero and reductions and odd-sized matmuls never see garbage.
 *
 * Programs are written once with every size as a uniform (`enableShapeUniforms`), so one compiled
 * shader serves every shape; shader compilation is the slowest thing a WebGL backend does.
 *
 * Helpers generated for an input named N (uppercase), on top of tfjs's `getN(row, col)`:
 *   tex_N(r, c)  the texel holding element (r, c)
 *   el_N(r, c)   element (r, c)
 *   row_N(r, c)  elements (r, c), (r, c+1), c even
 *   rowu_N(r, c) elements (r, c), (r, c+1), any c (two fetches when c is odd)
 *   col_N(r, c)  elements (r, c), (r+1, c), r even
 *   blk_N(r, c)  the 2x2 block at (r, c), r even, any c (two fetches when c is odd)
 */
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import type { CountingWebGL } from './context.js';

export type UniformType = 'float' | 'int' | 'ivec2' | 'vec2';

export interface Uniform {
  name: string;
  type: UniformType;
  /** An array uniform of this many elements (>= 2). */
  size?: number;
}

export interface ProgramDef {
  /** Input names (uppercase, so tfjs's getter `getN` and our helpers never clash with locals). */
  readonly inputs: readonly string[];
  readonly uniforms: readonly Uniform[];
  readonly userCode: string;
  readonly customUniforms: { name: string; type: UniformType; arrayIndex?: number }[];
}

const PRELUDE = `
float pick(vec4 t, int r, int c) { return t[((r & 1) << 1) | (c & 1)]; }
float tanh_(float x) { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
vec2 tanh_(vec2 x) { vec2 e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
vec4 tanh_(vec4 x) { vec4 e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
float sigmoid_(float x) { return 1.0 / (1.0 + exp(-x)); }
vec2 sigmoid_(vec2 x) { return 1.0 / (1.0 + exp(-x)); }
vec4 sigmoid_(vec4 x) { return 1.0 / (1.0 + exp(-x)); }
`;

const helpers = (n: string): string => `
vec4 tex_${n}(int r, int c) { return get${n}(r - (r & 1), c - (c & 1)); }
float el_${n}(int r, int c) { return pick(tex_${n}(r, c), r, c); }
vec2 row_${n}(int r, int c) { vec4 t = tex_${n}(r, c); return (r & 1) == 0 ? t.xy : t.zw; }
vec2 col_${n}(int r, int c) { vec4 t = tex_${n}(r, c); return (c & 1) == 0 ? t.xz : t.yw; }
vec2 rowu_${n}(int r, int c) { return (c & 1) == 0 ? row_${n}(r, c) : vec2(el_${n}(r, c), el_${n}(r, c + 1)); }
vec4 blk_${n}(int r, int c) {
  if ((c & 1) == 0) return tex_${n}(r, c);
  vec4 p = tex_${n}(r, c - 1);
  vec4 q = tex_${n}(r, c + 1);
  return vec4(p.y, q.x, p.w, q.z);
}`;

const MAIN = `
void main() {
  ivec2 rc = getOutputCoords();
  vec4 v = value(rc.x, rc.y);
  bool r1 = rc.x + 1 < uOut.x;
  bool c1 = rc.y + 1 < uOut.y;
  setOutput(vec4(v.x, c1 ? v.y : 0.0, r1 ? v.z : 0.0, (r1 && c1) ? v.w : 0.0));
}`;

/** A program from its inputs, uniforms (besides `uOut`, the output size) and `value` function. */
export function defineProgram(inputs: readonly string[], uniforms: readonly Uniform[], body: string): ProgramDef {
  for (const n of inputs) if (!/^[A-Z][A-Z0-9]*$/.test(n)) throw new Error(`webgl program input '${n}' must be uppercase`);
  const customUniforms = [{ name: 'uOut', type: 'ivec2' as const }, ...uniforms.map((u) => ({ name: u.name, type: u.type, ...(u.size ? { arrayIndex: u.size } : {}) }))];
  return { inputs, uniforms, customUniforms, userCode: [PRELUDE, ...inputs.map(helpers), body, MAIN].join('\n') };
}

/** Runs a program on packed 2-D inputs; returns the packed [rows, cols] output (owned by the caller). */
export function runProgram(
  be: CountingWebGL,
  def: ProgramDef,
  inputs: TfInfo[],
  out: readonly [number, number],
  uniformValues: (number | number[])[] = [],
): TfInfo {
  const program = {
    variableNames: def.inputs as string[],
    outputShape: [out[0], out[1]],
    userCode: def.userCode,
    packedInputs: true,
    packedOutput: true,
    enableShapeUniforms: true,
    customUniforms: def.customUniforms,
  };
  const values = [[out[0], out[1]], ...uniformValues.map((v) => (Array.isArray(v) ? v : [v]))];
  return be.runWebGLProgram(program, inputs, 'float32', values, true);
}
