/**
 * @recurrent/interop: model formats in and out of @recurrent/models. Each format lives in its
 * own folder (tfjs/, pytorch/, onnx/); @recurrent/models keeps only its own format.
 */
export {};
