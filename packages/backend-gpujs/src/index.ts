export { createGpujsBackend, type GpujsBackend, type GpujsBackendOptions } from './backend.js';
export type { GpujsMode, GpujsRunningMode } from './internal/gpujs.js';
export type { KernelCacheStats } from './internal/kernel-cache.js';
export type { Limits as GpujsLimits } from './internal/limits.js';
