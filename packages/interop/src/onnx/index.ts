export { exportOnnx, toOnnx, type ExportOnnxOptions, ONNX_OPSET, onnxGraph } from './export.js';
