export { createCpuBackend, relaxedSimdSupported, threadStats, wasmSimdSupported, type CpuBackendOptions } from './backend.js';
export type { ThreadStats } from './internal/wasm/pool.js';
