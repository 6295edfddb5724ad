/**
 * @recurrent/interop: model formats in and out of @recurrent/models. Each format lives in its
 * own folder (tfjs/, pytorch/, onnx/); @recurrent/models keeps only its own format.
 */
export {
  DEFAULT_LIMITS as TFJS_DEFAULT_LIMITS,
  loadTfjsModel,
  saveTfjsModel,
  TfjsFormatError,
  UnsupportedLayerError,
  type LoadTfjsOptions,
  type SavedTfjsArtifacts,
  type TfjsArtifacts,
  type TfjsLimits,
  type TfjsProblem,
  type TfjsSource,
} from './tfjs/index.js';
