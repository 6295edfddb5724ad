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
export {
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  writeSafetensors,
  type DecodedTensor,
  type Dtype,
  type SafetensorsEntry,
  type SafetensorsLimits,
  type SafetensorsProblem,
  type SafetensorsTensor,
} from './safetensors/index.js';
export { readSafetensorsFile } from './safetensors/file.js';
export { UnsupportedExportError } from './plan/index.js';
export { exportPytorch, importPytorch, type ExportPytorchOptions, type ExportPytorchResult, type ImportPytorchOptions, type PytorchFitOptions } from './pytorch/index.js';
export { exportOnnx, type ExportOnnxOptions, ONNX_OPSET, toOnnx } from './onnx/index.js';
