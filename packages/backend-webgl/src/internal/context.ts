/**
 * The GPU side: our own WebGL2 context on our own canvas, a tfjs GPGPUContext on it, and our own
 * tfjs MathBackendWebGL instance that runs programs and owns textures.
 *
 * Why our own instance rather than `tf.setBackend('webgl')`: tfjs's global engine then never sees
 * our tensors (no tape, no tf.memory() entries, no interference with an app's own tfjs models on
 * the same page), compiled programs are cached per instance (a program compiled on one GL
 * context is invalid on another), and the `webglcontextlost` event of *our* canvas tells us when
 * our textures are gone.
 */
import { GPGPUContext, MathBackendWebGL, setWebGLContext } from '@tensorflow/tfjs-backend-webgl';
import { env, type DataType, type TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { destroyed, noWebgl2, WebglContextLostError } from './errors.js';

type AnyCanvas = HTMLCanvasElement | OffscreenCanvas;

/** A tfjs webgl backend that counts the shader passes it runs (compute vs. uploads/downloads). */
export class CountingWebGL extends MathBackendWebGL {
  computePasses = 0;
  transferPasses = 0;
  /** Texture-to-texture copies (blitFramebuffer), which run no shader. */
  copies = 0;
  /** Set while uploading or reading back, so encode/decode passes are counted as transfers. */
  inTransfer = false;

  override runWebGLProgram(
    program: Parameters<MathBackendWebGL['runWebGLProgram']>[0],
    inputs: TfInfo[],
    outputDtype: DataType,
    customUniformValues?: number[][],
    preventEagerUnpackingOfOutput?: boolean,
    customTexShape?: [number, number],
  ): TfInfo {
    if (this.inTransfer) this.transferPasses++;
    else this.computePasses++;
    return super.runWebGLProgram(program, inputs, outputDtype, customUniformValues, preventEagerUnpackingOfOutput, customTexShape);
  }
}

export interface Gpu {
  readonly be: CountingWebGL;
  readonly gl: WebGL2RenderingContext;
  /** Max input textures one program may sample (tfjs caps it at 16). */
  readonly maxInputs: number;
  /** Throws if the context was lost or the backend destroyed; `where` names the caller. */
  check(where: string): void;
  destroy(): void;
}

const ATTRIBUTES: WebGLContextAttributes = {
  alpha: false,
  antialias: false,
  premultipliedAlpha: false,
  preserveDrawingBuffer: false,
  depth: false,
  stencil: false,
  failIfMajorPerformanceCaveat: false,
};

function newCanvas(): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  throw noWebgl2('no OffscreenCanvas and no document: this is not a browser');
}

export function createGpu(canvas: AnyCanvas = newCanvas()): Gpu {
  // tfjs's flags (WebGL version, float32 render targets, texture limits) are evaluated on its
  // own default context; read them before ours exists.
  let version: number;
  try {
    version = env().getNumber('WEBGL_VERSION');
  } catch (e) {
    throw noWebgl2(`tfjs could not create a WebGL context: ${(e as Error).message}`);
  }
  if (version !== 2) throw noWebgl2(`tfjs found WebGL version ${version}`);
  if (!env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) throw noWebgl2('float32 textures cannot be rendered to');
  const maxInputs = env().getNumber('WEBGL_MAX_TEXTURES_IN_SHADER');
  env().getNumber('WEBGL_MAX_TEXTURE_SIZE');

  const gl = canvas.getContext('webgl2', ATTRIBUTES) as WebGL2RenderingContext | null;
  if (!gl) throw noWebgl2('canvas.getContext("webgl2") returned null');
  // The state tfjs's getWebGLContext sets on every context it makes.
  for (const cap of [gl.DEPTH_TEST, gl.STENCIL_TEST, gl.BLEND, gl.DITHER, gl.POLYGON_OFFSET_FILL, gl.SAMPLE_COVERAGE]) gl.disable(cap);
  gl.enable(gl.SCISSOR_TEST);
  gl.enable(gl.CULL_FACE);
  gl.cullFace(gl.BACK);

  let lost = false;
  let isDestroyed = false;
  canvas.addEventListener('webglcontextlost', () => {
    lost = true;
  });

  const gpgpu = new GPGPUContext(gl as unknown as WebGLRenderingContext);
  // GPGPUContext makes the context it is given tfjs's default; undo that, so an app's own tfjs
  // backend (created later) gets a context of its own instead of sharing ours.
  setWebGLContext(2, null as unknown as WebGLRenderingContext);
  const be = new CountingWebGL(gpgpu);

  return {
    be,
    gl,
    maxInputs,
    check(where) {
      if (isDestroyed) throw destroyed(where);
      if (lost || gl.isContextLost()) {
        lost = true;
        throw new WebglContextLostError(where);
      }
    },
    destroy() {
      if (isDestroyed) return;
      isDestroyed = true;
      if (!lost && !gl.isContextLost()) {
        be.dispose();
        gpgpu.program = null;
        gpgpu.dispose();
      }
      // Free the context now rather than at garbage collection (browsers cap live contexts).
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    },
  };
}
