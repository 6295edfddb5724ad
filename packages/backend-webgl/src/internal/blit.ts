/**
 * Stacking steps by GPU copies instead of a shader. A shader that picks one of n input textures
 * per texel is slow on software rasterisers (SwiftShader runs every branch of the pick for every
 * texel, so its cost grows with n per texel), so stackTime copies each step's texture into its
 * row block of a time-major [T*B, D] texture with blitFramebuffer (no shader), then one pass
 * re-lays the rows out batch-major ([B*T, D], row b*T + t).
 *
 * Used when every texture has the plain packed layout (a texel is the 2x2 block at
 * (2i, 2j); B even, so each step's rows start on a texel row); otherwise stackTime falls back to
 * shader concatenation.
 */
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const even = (n: number) => n + (n & 1);

/** [T*B, D] (row t*B + b) -> [B*T, D] (row b*T + t). */
const TIME_TO_BATCH_MAJOR = defineProgram(
  ['X'],
  [
    { name: 'uT', type: 'int' },
    { name: 'uB', type: 'int' },
  ],
  `vec2 pair(int q, int c) { int b = q / uT; int t = q - b * uT; return row_X(t * uB + b, c); }
  vec4 value(int r, int c) { return vec4(pair(r, c), pair(r + 1, c)); }`,
);

/**
 * The texture of a tensor stored as a plain packed 2-D [rows, cols] texture (texel (j, i) holds
 * the 2x2 block at (2i, 2j); no slice, no reshaped texture shape), or undefined. Shared with the
 * four-render-target matmul, which samples such textures directly.
 */
export function plainPackedTexture(g: Gl, info: TfInfo, rows: number, cols: number): WebGLTexture | undefined {
  const td = g.be.texData.get(info.dataId);
  if (!td?.isPacked || !td.texture || td.slice || !td.texShape) return undefined;
  if (td.shape[td.shape.length - 1] !== cols || td.shape.reduce((a, b) => a * b, 1) !== rows * cols) return undefined;
  if (td.texShape[0] !== even(rows) || td.texShape[1] !== even(cols)) return undefined;
  return td.texture.texture;
}

export class Blitter {
  readonly #g: Gl;
  readonly #gl: WebGL2RenderingContext;
  #read: WebGLFramebuffer | null = null;
  #draw: WebGLFramebuffer | null = null;

  constructor(g: Gl, gl: WebGL2RenderingContext) {
    this.#g = g;
    this.#gl = gl;
  }

  #texture(info: TfInfo, rows: number, cols: number): WebGLTexture | undefined {
    return plainPackedTexture(this.#g, info, rows, cols);
  }

  /** T tensors [B, D] -> [B*T, D] (batch-major), or undefined when a layout does not allow copies. */
  stack(inputs: TfInfo[], batch: number, depth: number): TfInfo | undefined {
    const T = inputs.length;
    if (batch % 2 !== 0) return undefined;
    const textures: WebGLTexture[] = [];
    for (const x of inputs) {
      this.#g.be.uploadToGPU(x.dataId);
      const tex = this.#texture(x, batch, depth);
      if (!tex) return undefined;
      textures.push(tex);
    }
    const be = this.#g.be;
    const tm = be.makeTensorInfo([T * batch, depth], 'float32');
    be.texData.get(tm.dataId).isPacked = true;
    be.uploadToGPU(tm.dataId);
    const target = this.#texture(tm, T * batch, depth);
    if (!target) {
      be.disposeData(tm.dataId);
      return undefined;
    }
    const gl = this.#gl;
    this.#read ??= gl.createFramebuffer();
    this.#draw ??= gl.createFramebuffer();
    const w = Math.ceil(depth / 2);
    const h = batch / 2;
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.#draw);
    gl.framebufferTexture2D(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, target, 0);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.#read);
    gl.disable(gl.SCISSOR_TEST);
    textures.forEach((tex, t) => {
      gl.framebufferTexture2D(gl.READ_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
      gl.blitFramebuffer(0, 0, w, h, 0, t * h, w, (t + 1) * h, gl.COLOR_BUFFER_BIT, gl.NEAREST);
    });
    gl.framebufferTexture2D(gl.READ_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, null, 0);
    gl.framebufferTexture2D(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, null, 0);
    gl.enable(gl.SCISSOR_TEST);
    // tfjs binds its own framebuffer before each program; leave it bound as it expects.
    gl.bindFramebuffer(gl.FRAMEBUFFER, be.getGPGPUContext().framebuffer);
    be.copies += T;
    const out = this.#g.tmp(TIME_TO_BATCH_MAJOR, [tm], [batch * T, depth], [T, batch]);
    be.disposeData(tm.dataId);
    return out;
  }

  dispose(): void {
    this.#gl.deleteFramebuffer(this.#read);
    this.#gl.deleteFramebuffer(this.#draw);
  }
}
