/**
 * Decoding a sequence token by token from any step function: greedy and beam search. See
 * step.ts for the step contract and the README's "Decoding" section for building a step from
 * a trained encoder-decoder.
 */
export { type BeamSearchOptions, beamSearch } from './beam.js';
export { type GreedyOptions, greedyDecode } from './greedy.js';
export { modelStep, type StepModel } from './model-step.js';
export type { DecodeOptions, HostStates, Hypothesis, StepFunction, StepOutput } from './step.js';
