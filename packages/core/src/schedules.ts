/**
 * Learning-rate schedules. A schedule maps the update index (0 for the first optimizer step)
 * to a learning rate; pass one as an optimizer's `learningRate`.
 */
import { ConfigError } from './errors.js';

export type Schedule = (step: number) => number;

function positive(where: string, key: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(`${where}: ${key} must be a finite number > 0, got ${v}.`);
}
function nonNegative(where: string, key: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ConfigError(`${where}: ${key} must be a finite number >= 0, got ${v}.`);
}

/** The same learning rate at every step. */
export function constant(learningRate: number): Schedule {
  nonNegative('constant schedule', 'learningRate', learningRate);
  return () => learningRate;
}

/**
 * Keras's ExponentialDecay: lr(step) = initialLearningRate * decayRate^(step / decaySteps),
 * with the exponent floored when `staircase` is true (the rate then drops every decaySteps).
 */
export function exponentialDecay(options: {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}): Schedule {
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  const where = 'exponentialDecay';
  nonNegative(where, 'initialLearningRate', initialLearningRate);
  positive(where, 'decaySteps', decaySteps);
  positive(where, 'decayRate', decayRate);
  return (step) => {
    const p = step / decaySteps;
    return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
  };
}

/**
 * PyTorch's StepLR: lr(step) = initialLearningRate * gamma^floor(step / stepSize), i.e. the
 * rate is multiplied by gamma after every stepSize updates.
 */
export function stepDecay(options: { initialLearningRate: number; stepSize: number; gamma: number }): Schedule {
  const { initialLearningRate, stepSize, gamma } = options;
  const where = 'stepDecay';
  nonNegative(where, 'initialLearningRate', initialLearningRate);
  if (!Number.isInteger(stepSize) || stepSize < 1)
    throw new ConfigError(`${where}: stepSize must be an integer >= 1, got ${stepSize}.`);
  nonNegative(where, 'gamma', gamma);
  return (step) => initialLearningRate * gamma ** Math.floor(step / stepSize);
}
