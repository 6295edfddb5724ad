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
  /** The layer (in backpropagation order) whose gradient first went non-finite, if any. */
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
