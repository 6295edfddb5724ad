export { createCpuBackend, type CpuBackendOptions } from './backend.js';
