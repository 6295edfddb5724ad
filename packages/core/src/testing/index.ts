export { createReferenceBackend } from './reference-backend.js';
export {
  CELL_GATES,
  FIXTURE_FORMAT,
  FIXTURE_RECURRENT_ACTIVATIONS,
  parseFixture,
  type CellCase,
  type CellType,
  type ClipCase,
  type Fixture,
  type LossCase,
  type OptimizerCase,
  type OptimizerOptions,
  type OptimizerUpdateCase,
  type TensorData,
  type TensorMap,
  type TrainingCase,
  type TrainingOptimizer,
} from './fixture-format.js';
export { compare, type CaseReport, type Check, type FixtureReport } from './compare.js';
export { checkPrimitives, MATMUL_SHAPES, testRandom, type PrimitiveCheckOptions } from './primitives.js';
export { checkGradients, GRAD_CASES, type GradCase, type GradCheckOptions } from './gradcheck.js';
export { defaultTolerances, runFixture, type RunFixtureOptions, type Tolerance, type Tolerances } from './fixture-runner.js';
export { checkInspection } from './inspection.js';
export { checkLeaks } from './leaks.js';
export { fusedOpCalls, workPerFusedOp } from './fused-calls.js';
export { conformanceSuite, describeFailures, type SuiteApi, type SuiteOptions } from './suite.js';
export { checkLossGradients } from './gradcheck-losses.js';
export { checkSeededInit } from './determinism.js';
export { CHROMIUM_ARGS, CHROMIUM_WEBGPU_ARGS, chromiumArgs, GPU_ENV } from './chromium.js';
export { type DamagedOutcomes, describeMutations, loadDamaged, type Mutation, mutateBytes, mutateJson, mutateText, untypedError } from './mutate.js';
