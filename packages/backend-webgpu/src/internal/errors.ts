/**
 * The errors this backend adds to core's: no WebGPU, a lost device, out of GPU memory, use after
 * destroy(), and synchronous reads. All are BackendErrors (code E_BACKEND), so callers can catch one type.
 */
import { BackendError } from '@recurrent/core';

/**
 * The GPU device was lost (a driver reset or crash, the browser reclaiming the GPU, or
 * `device.destroy()`). Every buffer is gone, so every later call on this backend throws this
 * error rather than returning zeros or NaN. Create a new backend and resume from a checkpoint.
 */
export class WebgpuDeviceLostError extends BackendError {
  /** The op or call that found the device lost. */
  readonly where: string;
  /** WebGPU's reason: 'destroyed' or 'unknown'. */
  readonly reason: string;
  constructor(where: string, reason: string, detail: string) {
    super(
      `webgpu: the GPU device was lost (reason '${reason}'${detail ? `: ${detail}` : ''}; detected in ${where}). ` +
        'Every tensor of this backend is gone. Create a new backend with createWebgpuBackend() and resume training from your last checkpoint.',
    );
    this.where = where;
    this.reason = reason;
  }
}

/** The GPU could not allocate a buffer: a tensor past the device's limits, or out of GPU memory. */
export class WebgpuOutOfMemoryError extends BackendError {
  /** The op or call that needed the memory. */
  readonly where: string;
  constructor(where: string, detail: string) {
    super(
      `webgpu: out of GPU memory in ${where} (${detail}). Use a smaller batch, fewer units or shorter sequences, ` +
        'dispose tensors you no longer need, or use the cpu backend for this model.',
    );
    this.where = where;
  }
}

export const noWebgpu = (why: string): BackendError =>
  new BackendError(
    `webgpu: WebGPU is not available (${why}). The webgpu backend needs a browser with WebGPU (navigator.gpu) on a page served ` +
      "over http(s); use the 'webgl' or 'cpu' backend, or start Chromium with --enable-unsafe-webgpu.",
  );

export const destroyed = (where: string): BackendError =>
  new BackendError(`webgpu: ${where} called after destroy(). Create a new backend with createWebgpuBackend().`);

export const noSyncRead = (): BackendError =>
  new BackendError(
    'webgpu: readSync (dataSync(), toArray()) is not possible: WebGPU reads GPU buffers only asynchronously. ' +
      'Use `await tensor.data()` instead.',
  );

/** A WebGPU validation error: a bug in this backend, reported rather than computing garbage. */
export const gpuValidation = (where: string, message: string): BackendError =>
  new BackendError(`webgpu: the GPU rejected a command (${where}): ${message}. This is a bug in @recurrent/backend-webgpu; please report it.`);
