export { createCpuBackend, wasmSimdSupported, type CpuBackendOptions } from './backend.js';
