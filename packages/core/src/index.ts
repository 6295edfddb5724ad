export type {
  ActivationGradOp,
  BinaryOp,
  UnaryOp,
  Backend,
  DataId,
  FusedKernel,
  FusedKernels,
  FusedName,
  SequenceFusedName,
  StepFusedName,
  FusedSpec,
  GateAttrs,
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
export { Engine, Tensor, createEngine, type EngineMemory, type FusedCount } from './engine.js';
export {
  HARD_SIGMOID_SLOPE,
  hardSigmoidSlope,
  isRecurrentActivation,
  RECURRENT_ACTIVATIONS,
  recurrentGate,
  recurrentGateGrad,
  type RecurrentActivation,
} from './recurrent-activation.js';
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
  fmtShape,
  quote,
  type ErrorCode,
} from './errors.js';
export { broadcastKind, sizeOf, type Broadcast } from './internal/shapes.js';
export {
  createCell,
  initCellParams,
  type InitCellOptions,
  CELL_FACTS,
  CELL_KINDS,
  GATE_ORDER,
  GATES,
  RECURRENT_ACTIVATION_GATE_INDICES,
  joinGates,
  splitGates,
  type Cell,
  type CellConfig,
  type CellFacts,
  type CellKind,
  type CellParams,
  type CellState,
  type RecurrentMask,
  type StepTensors,
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
export {
  computeLoss,
  labelTensor,
  LOSS_NAMES,
  parseLossName,
  PROBABILITY_EPSILON,
  type LossName,
  type LossResult,
  type LossSpec,
} from './losses.js';
export {
  adagrad,
  adam,
  adamw,
  fromPyTorch,
  rmsprop,
  sgd,
  type AdagradOptions,
  type AdamOptions,
  type ClipOptions,
  type LearningRate,
  type Optimizer,
  type OptimizerState,
  type Param,
  type RmspropOptions,
  type SgdOptions,
} from './optimizers.js';
export { clipByGlobalNorm, clipByValue } from './clip.js';
// Namespaces: init and schedules both have a `constant`, and init's zeros/ones/uniform are generic names.
export * as schedules from './schedules.js';
export type { Schedule } from './schedules.js';
export * as initializers from './init.js';
export { getInitializer, type Initializer, type InitializerName } from './init.js';
export { Rng, type RngState } from './rng.js';
