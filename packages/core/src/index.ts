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
export {
  createCell,
  GATE_ORDER,
  GATES,
  joinGates,
  splitGates,
  type Cell,
  type CellConfig,
  type CellKind,
  type CellParams,
  type CellState,
} from './cells/index.js';
export {
  rnnBackward,
  rnnForward,
  RnnTape,
  type RnnBackwardOptions,
  type RnnBackwardResult,
  type RnnForwardOptions,
  type RnnForwardResult,
  type RnnGrads,
} from './bptt.js';
