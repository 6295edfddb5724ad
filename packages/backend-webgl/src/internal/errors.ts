/**
 * The errors this backend adds to core's: a lost WebGL context, a missing WebGL2, use after
 * destroy(). All are BackendErrors (code E_BACKEND), so callers can catch one type.
 */
import { BackendError } from '@recurrent/core';

/**
 * The WebGL context was lost (GPU reset, driver crash, the browser reclaiming contexts, or
 * `WEBGL_lose_context`). Every texture is gone, so every later call on this backend throws this
 * error rather than returning zeros or NaN. Create a new backend and resume from a checkpoint.
 */
export class WebglContextLostError extends BackendError {
  /** The op or call that found the context lost. */
  readonly where: string;
  constructor(where: string) {
    super(
      `webgl: the WebGL context was lost (detected in ${where}). Every tensor of this backend is gone. ` +
        'Create a new backend with createWebglBackend() and resume training from your last checkpoint.',
    );
    this.where = where;
  }
}

export const noWebgl2 = (why: string): BackendError =>
  new BackendError(
    `webgl: WebGL2 is not available (${why}). The webgl backend needs WebGL2 with float32 render targets; ` +
      "use the 'cpu' backend, or enable hardware acceleration (or SwiftShader) in the browser.",
  );

export const destroyed = (where: string): BackendError =>
  new BackendError(`webgl: ${where} called after destroy(). Create a new backend with createWebglBackend().`);
