/** tfjs-layers / Keras `model.json` + weight shards in and out of @recurrent/models. */
export { loadTfjsModel, type LoadTfjsOptions, type TfjsSource } from './load.js';
export { saveTfjsModel, type SavedTfjsArtifacts } from './save.js';
export type { TfjsArtifacts } from './artifacts.js';
export { DEFAULT_LIMITS, type TfjsLimits } from './limits.js';
export { TfjsFormatError, UnsupportedLayerError, type TfjsProblem } from './errors.js';
