export { createWebglBackend, type WebglBackend, type WebglBackendOptions, type WebglMemoryInfo } from './backend.js';
export { WebglContextLostError } from './internal/errors.js';
export type { OpStats, WebglStats } from './internal/instrument.js';
