export { createCpuBackend, relaxedSimdSupported, wasmSimdSupported, type CpuBackendOptions } from './backend.js';
