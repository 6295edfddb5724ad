export { exportOnnx, type ExportOnnxOptions, ONNX_OPSET, onnxGraph } from './export.js';
