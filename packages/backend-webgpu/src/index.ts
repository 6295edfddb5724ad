/// <reference types="@webgpu/types" />
export { createWebgpuBackend, type WebgpuBackend, type WebgpuBackendOptions, type WebgpuMemoryInfo, type WebgpuStats } from './backend.js';
export { WebgpuDeviceLostError, WebgpuOutOfMemoryError } from './internal/errors.js';
export type { MatmulKind } from './internal/matmul.js';
