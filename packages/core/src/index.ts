export type {
  Backend,
  DataId,
  FusedKernel,
  FusedKernels,
  FusedName,
  FusedSpec,
  Kernel,
  Kernels,
  MemoryInfo,
  OpAttrs,
  OpInputs,
  OpName,
  OpSpec,
  Shape,
  TensorInfo,
} from './backend.js';
export { Engine, Tensor, createEngine, type EngineMemory } from './engine.js';
export {
  BackendError,
  ConfigError,
  DisposedError,
  FixtureError,
  InputError,
  LabelRangeError,
  NonFiniteError,
  RecurrentError,
  ShapeError,
  StateError,
  type ErrorCode,
} from './errors.js';
export { broadcastKind, sizeOf, type Broadcast } from './internal/shapes.js';
