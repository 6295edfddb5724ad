export { exportPytorch, type ExportPytorchOptions, type ExportPytorchResult, type PytorchFitOptions } from './export.js';
export { importPytorch, type ImportPytorchOptions } from './import.js';
