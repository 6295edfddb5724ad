/** Getting a GPUDevice: the caller's, or one from the browser's default adapter. */
import { noWebgpu } from './errors.js';

export async function requestDevice(): Promise<GPUDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    const why =
      typeof navigator === 'undefined'
        ? 'no navigator: Node and workers without WebGPU have none'
        : globalThis.isSecureContext === false
          ? 'navigator.gpu is missing: the page is not a secure context (serve it over https or from localhost)'
          : 'navigator.gpu is missing: this browser has no WebGPU, or it is disabled';
    throw noWebgpu(why);
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    throw noWebgpu(`requestAdapter() failed: ${(e as Error).message}`);
  }
  if (!adapter) throw noWebgpu('requestAdapter() found no adapter: no usable GPU, or the GPU is blocklisted');
  const want = adapter.limits;
  try {
    // The adapter's own limits for what big models need: buffer sizes and storage bindings.
    return await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: want.maxStorageBufferBindingSize,
        maxBufferSize: want.maxBufferSize,
        maxStorageBuffersPerShaderStage: want.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw noWebgpu(`requestDevice() failed: ${(e as Error).message}`);
  }
}
