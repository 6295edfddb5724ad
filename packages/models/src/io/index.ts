export { browserDownloads, browserIndexedDB, http, type IndexedDBFactory } from './browser.js';
export { DEFAULT_MAX_JSON_BYTES, decodeFloat32, encodeFloat32, type LoadLimits, MAX_JSON_DEPTH, MODEL_FORMAT, type ModelJson, type WeightEntry } from './format.js';
export type { IOHandler, ModelArtifacts } from './handler.js';
export { memory, type MemoryHandler } from './memory.js';
export { fileSystem } from './node-fs.js';
