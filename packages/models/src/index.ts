/**
 * @recurrent/models: a Keras-like API for recurrent models on any @recurrent backend.
 *
 *   const model = sequential({ backend: createCpuBackend(), seed: 42 }, [
 *     layers.simpleRNN({ units: 50, inputShape: [null, 1] }),
 *     layers.dense({ units: 1, activation: 'sigmoid' }),
 *   ]);
 *   model.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 1e-3 }), metrics: ['accuracy'] });
 *   const history = await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.2 });
 *
 * Functional models (several inputs/outputs, shared layers, encoder state -> decoder):
 * `input({ shape })`, `layer.apply(x, { initialState })`, `model({ inputs, outputs, backend })`.
 */
export { Sequential, sequential, type SequentialOptions } from './model/sequential.js';
export {
  History,
  type CompileOptions,
  type EvaluateOptions,
  type FitOptions,
  type InitialStates,
  LayersModel,
  type ModelData,
  type ModelOptions,
  type Prediction,
  type PredictOptions,
  type TrainOnBatchOptions,
} from './model/layers-model.js';
export { Functional, type FunctionalOptions, model } from './model/functional.js';
export type { LossesOption } from './model/compiled.js';
export { inspect, type InspectOptions, type Inspection, type LayerInspection, type StepValues } from './model/inspect.js';
export type { MetricName } from './model/metrics.js';
export type { NamedWeight } from './model/weights.js';
export { loadModel, type LoadOptions } from './load.js';
export * as layers from './layers/index.js';
export { input, SymbolicTensor, type ApplyOptions, type InputOptions } from './layers/symbolic.js';
// Writing a layer of your own (README "Writing your own layer"; the contract is in layers/layer.ts).
export {
  Layer,
  type Activation as LayerActivation,
  type Backward,
  type CallContext,
  type LayerCall,
  type LayerClassName,
  type WeightSpec,
} from './layers/layer.js';
export { MultiInputLayer } from './layers/multi-input.js';
export type {
  BidirectionalOptions,
  DenseOptions,
  DropoutOptions,
  EmbeddingOptions,
  GRUOptions,
  LSTMOptions,
  MaskingOptions,
  MergeMode,
  RecurrentOptions,
  TimeDistributedOptions,
} from './layers/index.js';
export * as optimizers from './optimizers.js';
export * as callbacks from './callbacks/index.js';
export { earlyStopping, modelCheckpoint, type Callback, type EarlyStoppingOptions, type Logs, type ModelCheckpointOptions } from './callbacks/index.js';
export * as io from './io/index.js';
export { beamSearch, type BeamSearchOptions, type DecodeOptions, greedyDecode, type GreedyOptions, type HostStates, type Hypothesis, modelStep, type StepFunction, type StepModel, type StepOutput } from './decode/index.js';
export type { IOHandler, ModelArtifacts } from './io/handler.js';
export { ModelBusyError, ModelFormatError, TrainingDivergedError } from './errors.js';
export { toHost, toNested, type HostTensor, type InputData, type NestedArray } from './inputs.js';
// Data helpers (windows, scalers, vocabulary, padding, splits, batches, sampling): a namespace, so names like oneHot do not clash.
export * as data from './data/index.js';
// Recipes: whole models made of the layers above (an encoder-decoder with attention, its inference models and decoding).
export {
  attentionWeights,
  SEQ2SEQ_LAYERS,
  type Seq2seqCell,
  type Seq2seqInference,
  type Seq2seqOptions,
  type Seq2seqShape,
  seq2seq,
  seq2seqInference,
  seq2seqShapeOf,
  translate,
  type TranslateOptions,
} from './recipes/seq2seq.js';
