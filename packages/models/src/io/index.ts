export { browserDownloads, browserIndexedDB, http } from './browser.js';
export { decodeFloat32, encodeFloat32, MODEL_FORMAT, type ModelJson, type WeightEntry } from './format.js';
export type { IOHandler, ModelArtifacts } from './handler.js';
export { memory, type MemoryHandler } from './memory.js';
export { fileSystem } from './node-fs.js';
