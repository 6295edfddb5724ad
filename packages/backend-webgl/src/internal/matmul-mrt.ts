/**
 * matmul with four render targets: each fragment computes a 4x4 block of the product (2x2
 * texels of tfjs's packed layout) and writes it to four textures, one texel each. Per step of 2
 * along the shared dimension it fetches 4 texels for 32 multiply-adds, where tfjs's packed matmul
 * (one texel per fragment) fetches 2 for 8; on a software rasteriser, where fetches are the cost,
 * that is most of a matmul. A tfjs program has a single output, so this one is a GL program of
 * our own, run beside tfjs's runner on its context: tfjs's vertex shader and quad (its VAO),
 * our framebuffer with four attachments, and tfjs's framebuffer bound again afterwards, as tfjs
 * expects (it sets program, VAO, viewport and scissor before each of its own draws). A second
 * pass, through tfjs's runner, lays the four quadrant textures out as the packed [M, N] result
 * and adds the bias.
 *
 * Used when both operands are plain packed 2-D textures (as blit.ts checks); otherwise matmul.ts
 * runs tfjs's kernel.
 */
import { webgl_util } from '@tensorflow/tfjs-backend-webgl';
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { plainPackedTexture } from './blit.js';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

type GlProgram = WebGLProgram & { vao: WebGLVertexArrayObject };

interface Compiled {
  program: GlProgram;
  loc: Record<'A' | 'B' | 'uASize' | 'uBSize' | 'uK2' | 'uLast', WebGLUniformLocation | null>;
}

/** The fragment shader for op(A) @ op(B); texel fetches and swizzles as tfjs's MatMulPackedProgram. */
function source(transposeA: boolean, transposeB: boolean): string {
  // A texel holds a 2x2 block; (x, y) is its position in the texture: x = column pair, y = row pair.
  const aAt = transposeA ? 'ivec2(r, kk)' : 'ivec2(kk, r)';
  const bAt = transposeB ? 'ivec2(kk, c)' : 'ivec2(c, kk)';
  const [a0, a1] = transposeA ? ['xxyy', 'zzww'] : ['xxzz', 'yyww'];
  const [b0, b1] = transposeB ? ['xzxz', 'ywyw'] : ['xyxy', 'zwzw'];
  const mac = (s: string, a: string, b: string) => `    ${s} += ${a}.${a0} * ${b}.${b0} + ${a}.${a1} * ${b}.${b1};`;
  return `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;
uniform sampler2D A;
uniform sampler2D B;
uniform vec2 uASize;
uniform vec2 uBSize;
uniform int uK2;
uniform ivec2 uLast;
layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
vec4 fetchA(int kk, int r) { return texture(A, (vec2(${aAt}) + 0.5) / uASize); }
vec4 fetchB(int kk, int c) { return texture(B, (vec2(${bAt}) + 0.5) / uBSize); }
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int r0 = min(2 * p.y, uLast.x);
  int r1 = min(2 * p.y + 1, uLast.x);
  int c0 = min(2 * p.x, uLast.y);
  int c1 = min(2 * p.x + 1, uLast.y);
  vec4 s00 = vec4(0.0);
  vec4 s01 = vec4(0.0);
  vec4 s10 = vec4(0.0);
  vec4 s11 = vec4(0.0);
  for (int kk = 0; kk < uK2; kk++) {
    vec4 x0 = fetchA(kk, r0);
    vec4 x1 = fetchA(kk, r1);
    vec4 y0 = fetchB(kk, c0);
    vec4 y1 = fetchB(kk, c1);
${mac('s00', 'x0', 'y0')}
${mac('s01', 'x0', 'y1')}
${mac('s10', 'x1', 'y0')}
${mac('s11', 'x1', 'y1')}
  }
  o0 = s00;
  o1 = s01;
  o2 = s10;
  o3 = s11;
}`;
}

/**
 * The quadrant textures as the packed [M, N] product (+ bias). Quadrant q = 2*qr + qc holds, at
 * texel (i, j), the texel (2i + qr, 2j + qc) of the product.
 */
const gatherSource = (bias: boolean) => `vec4 value(int r, int c) {
    int tr = r >> 1;
    int tc = c >> 1;
    int i2 = (tr >> 1) << 1;
    int j2 = (tc >> 1) << 1;
    int q = ((tr & 1) << 1) | (tc & 1);
    vec4 v = q == 0 ? tex_Q0(i2, j2) : q == 1 ? tex_Q1(i2, j2) : q == 2 ? tex_Q2(i2, j2) : tex_Q3(i2, j2);
    ${bias ? 'vec2 b = row_BIAS(0, c); v += vec4(b, b);' : ''}
    return v;
  }`;
const GATHER = defineProgram(['Q0', 'Q1', 'Q2', 'Q3'], [], gatherSource(false));
const GATHER_BIAS = defineProgram(['Q0', 'Q1', 'Q2', 'Q3', 'BIAS'], [], gatherSource(true));

export class MrtMatmul {
  readonly #g: Gl;
  readonly #gl: WebGL2RenderingContext;
  readonly #compiled = new Map<string, Compiled>();
  #fb: WebGLFramebuffer | null = null;

  constructor(g: Gl, gl: WebGL2RenderingContext) {
    this.#g = g;
    this.#gl = gl;
  }

  /** Whether this context can draw to four float textures at once. */
  get available(): boolean {
    return (this.#gl.getParameter(this.#gl.MAX_DRAW_BUFFERS) as number) >= 4;
  }

  /** A plain packed 2-D texture of [rows, cols] (uploaded if needed), or undefined. */
  #texture(info: TfInfo, rows: number, cols: number): WebGLTexture | undefined {
    this.#g.be.uploadToGPU(info.dataId);
    return plainPackedTexture(this.#g, info, rows, cols);
  }

  #program(transposeA: boolean, transposeB: boolean): Compiled {
    const key = `${+transposeA}${+transposeB}`;
    let c = this.#compiled.get(key);
    if (c) return c;
    const gl = this.#gl;
    const gpgpu = this.#g.be.getGPGPUContext();
    const shader = webgl_util.createFragmentShader(gl as unknown as WebGLRenderingContext, source(transposeA, transposeB));
    const program = gpgpu.createProgram(shader) as GlProgram;
    gpgpu.buildVao(program);
    const loc = Object.fromEntries(
      (['A', 'B', 'uASize', 'uBSize', 'uK2', 'uLast'] as const).map((n) => [n, gl.getUniformLocation(program, n)]),
    ) as Compiled['loc'];
    c = { program, loc };
    this.#compiled.set(key, c);
    return c;
  }

  /**
   * op(a) [m, k] @ op(b) [k, n] (+ bias [1, n]) as a packed tfjs tensor the caller owns, or
   * undefined when an operand's texture layout does not allow it (then nothing ran).
   */
  run(a: TfInfo, b: TfInfo, bias: TfInfo | undefined, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): TfInfo | undefined {
    const [aRows, aCols] = transposeA ? [k, m] : [m, k];
    const [bRows, bCols] = transposeB ? [n, k] : [k, n];
    const texA = this.#texture(a, aRows, aCols);
    const texB = this.#texture(b, bRows, bCols);
    if (!texA || !texB) return undefined;
    const be = this.#g.be;
    const gl = this.#gl;
    const mt = Math.ceil(m / 2); // texel rows and columns of the product
    const nt = Math.ceil(n / 2);
    const tileRows = Math.ceil(mt / 2);
    const tileCols = Math.ceil(nt / 2);
    // Four packed [2*tileRows, 2*tileCols] tensors: tileCols x tileRows texels each.
    const quads: TfInfo[] = [];
    const targets: WebGLTexture[] = [];
    for (let q = 0; q < 4; q++) {
      const t = be.makeTensorInfo([2 * tileRows, 2 * tileCols], 'float32');
      be.texData.get(t.dataId).isPacked = true;
      be.uploadToGPU(t.dataId);
      quads.push(t);
      targets.push(be.texData.get(t.dataId).texture!.texture);
    }
    const { program, loc } = this.#program(transposeA, transposeB);
    const gpgpu = be.getGPGPUContext();
    gpgpu.setProgram(program);
    gpgpu.bindVertexArray(program.vao);
    this.#fb ??= gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.#fb);
    const attachments = [gl.COLOR_ATTACHMENT0, gl.COLOR_ATTACHMENT1, gl.COLOR_ATTACHMENT2, gl.COLOR_ATTACHMENT3];
    targets.forEach((tex, q) => gl.framebufferTexture2D(gl.FRAMEBUFFER, attachments[q], gl.TEXTURE_2D, tex, 0));
    gl.drawBuffers(attachments);
    gl.viewport(0, 0, tileCols, tileRows);
    gl.scissor(0, 0, tileCols, tileRows);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, texA);
    gl.uniform1i(loc.A, 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, texB);
    gl.uniform1i(loc.B, 1);
    gl.uniform2f(loc.uASize, Math.ceil(aCols / 2), Math.ceil(aRows / 2));
    gl.uniform2f(loc.uBSize, Math.ceil(bCols / 2), Math.ceil(bRows / 2));
    gl.uniform1i(loc.uK2, Math.ceil(k / 2));
    gl.uniform2i(loc.uLast, mt - 1, nt - 1);
    gl.drawElements(gl.TRIANGLES, 6, gl.UNSIGNED_SHORT, 0);
    for (const att of attachments) gl.framebufferTexture2D(gl.FRAMEBUFFER, att, gl.TEXTURE_2D, null, 0);
    gl.drawBuffers([gl.COLOR_ATTACHMENT0]);
    // tfjs draws into its own framebuffer, which it expects bound.
    gl.bindFramebuffer(gl.FRAMEBUFFER, gpgpu.framebuffer);
    be.computePasses++;
    const out = bias
      ? this.#g.tmp(GATHER_BIAS, [...quads, { ...bias, shape: [1, n] }], [m, n])
      : this.#g.tmp(GATHER, quads, [m, n]);
    for (const q of quads) this.#g.free(q);
    return out;
  }
}
