/**
 * matmul: our four-render-target program (matmul-mrt.ts: 4x4 output blocks per fragment) for a
 * long shared dimension (useMrt) where the operands' layouts allow, else tfjs's own packed kernel (MatMulPackedProgram: 2x2 output
 * blocks), with the bias fused into the same pass (`_FusedMatMul`). One exception there: with an
 * odd number of rows the fused bias would also land in the padding row of the last texel, so that
 * case adds the bias in a second pass of ours, which keeps every texture's padding zero.
 */
import type { Kernels } from '@recurrent/core';
import { getKernel, type KernelFunc, type TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { MrtMatmul } from './matmul-mrt.js';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const ADD_ROW = defineProgram(['A', 'B'], [], `vec4 value(int r, int c) { vec2 b = row_B(0, c); return tex_A(r, c) + vec4(b, b); }`);
const ZEROS_PLUS_ROW = defineProgram(['B'], [], `vec4 value(int r, int c) { vec2 b = row_B(0, c); return vec4(b, b); }`);
const ZEROS = defineProgram([], [], `vec4 value(int r, int c) { return vec4(0.0); }`);

/**
 * The four-target program pays a second (layout) pass and more work per fragment; it wins when
 * the shared dimension is long, or fairly long with enough work. Measured on SwiftShader against
 * tfjs's matmul, same page, speed ratio per call: k = 128 (32 x 128 x 128..512): 0.80-1.00x;
 * k = 256 (32 x 256 x 128): 0.96x; k = 512 (32 x 512 x 128): 1.10x; k = 1600: 1.34x; k = 32
 * (1600 rows): 0.91x; [4, 64] @ [64, 64]: 0.53x; and a char-LSTM(256) training step (its
 * recurrent products are 32 x 256 x 1024) 1.15-1.2x faster with them on the four-target program.
 */
const useMrt = (m: number, n: number, k: number) => k >= 512 || (k >= 256 && m * n * k >= 4_000_000);

function kernel(name: string): KernelFunc {
  const k = getKernel(name, 'webgl');
  if (!k) throw new Error(`webgl backend: tfjs kernel ${name} is not registered (is @tensorflow/tfjs-backend-webgl loaded?)`);
  return k.kernelFunc;
}

export function matmulKernel(g: Gl, multipleRenderTargets: boolean): Kernels['matmul'] {
  const batchMatMul = kernel('BatchMatMul');
  const fusedMatMul = kernel('_FusedMatMul');
  const mrtProgram = multipleRenderTargets ? new MrtMatmul(g, g.gl) : undefined;
  const mrt = mrtProgram?.available ? mrtProgram : undefined;
  return ([a, b, bias], { transposeA, transposeB }, [m, n]) => {
    const ai = g.store.input(a, 'matmul');
    const bi = g.store.input(b, 'matmul');
    const biasInfo = bias ? { ...g.store.input(bias, 'matmul'), shape: [n] } : undefined;
    const k = transposeA ? a.shape[0] : a.shape[1];
    if (k === 0) {
      // An empty inner dimension: the sum over it is 0.
      return biasInfo ? g.run(ZEROS_PLUS_ROW, [{ ...biasInfo, shape: [1, n] }], [m, n]) : g.run(ZEROS, [], [m, n]);
    }
    if (mrt && useMrt(m, n, k)) {
      const product = mrt.run(ai, bi, biasInfo, m, n, k, transposeA, transposeB);
      if (product) return g.store.put(product);
    }
    const attrs = { transposeA, transposeB };
    if (biasInfo && m % 2 === 0) {
      return g.store.put(fusedMatMul({ inputs: { a: ai, b: bi, bias: biasInfo }, backend: g.be, attrs }) as TfInfo);
    }
    const product = batchMatMul({ inputs: { a: ai, b: bi }, backend: g.be, attrs }) as TfInfo;
    if (!biasInfo) return g.store.put(product);
    const id = g.run(ADD_ROW, [product, { ...biasInfo, shape: [1, n] }], [m, n]);
    g.free(product);
    return id;
  };
}
