/**
 * The errors @recurrent/models adds to core's: both are subclasses of core's typed errors, so
 * `instanceof StateError` / `instanceof NonFiniteError` and their `code`s keep working.
 */
import { NonFiniteError, StateError } from '@recurrent/core';

/** A saved model (model.json, weights, optimizer state) is missing, malformed, truncated or corrupted. */
export class ModelFormatError extends StateError {
  /** The file or handler that was being read or written. */
  readonly source: string;
  constructor(source: string, message: string) {
    super(`model ${source}: ${message}`);
    this.source = source;
  }
}

/**
 * Training produced a non-finite loss or gradient. Thrown before the update is applied, so the
 * model keeps the last finite weights.
 */
export class TrainingDivergedError extends NonFiniteError {
  /** 0-based epoch and batch of the failing step. */
  readonly epoch: number;
  readonly batch: number;
  /**
   * The layer where it started: the first in backpropagation order whose gradient went
   * non-finite; else the first (forward order) whose output did; else the last layer (the loss
   * overflowed on its finite output). Always set by fit; `undefined` only for other callers.
   */
  readonly layer: string | undefined;
  /** The loss of the failing batch (may itself be NaN or Infinity). */
  readonly loss: number;
  constructor(epoch: number, batch: number, layer: string | undefined, loss: number, detail: string) {
    super(
      `training diverged at epoch ${epoch + 1}, batch ${batch + 1}: ${detail} ` +
        'The update was not applied, so the weights are the last finite ones. Lower the learning rate, ' +
        "clip gradients (optimizers.adam({ clipNorm: 1 })), or scale the inputs.",
    );
    this.epoch = epoch;
    this.batch = batch;
    this.layer = layer;
    this.loss = loss;
  }
}

/**
 * A call that would change the model while another call uses it: a second `fit` or
 * `trainOnBatch` while one is training, or `compile` / `setWeights` / `toBackend` while a
 * training step or a read (predict, evaluate, save) is in flight. Nothing was changed.
 */
export class ModelBusyError extends StateError {
  /** The call that was refused ('fit', 'trainOnBatch', 'compile', ...). */
  readonly call: string;
  /** What is running ('fit', 'trainOnBatch', or 'a training step or a read'). */
  readonly running: string;
  constructor(call: string, running: string) {
    super(
      `${call}: the model is busy: ${running} is running on it. Calls that train or change a model do not overlap (two training ` +
        'loops would share one optimizer and match no serial order): await the running call first ' +
        '(predict, evaluate, save and getWeights may run during fit; they wait for the current step to finish).',
    );
    this.call = call;
    this.running = running;
  }
}
