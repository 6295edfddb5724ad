/**
 * Saves the model at the end of epochs (Keras 3 ModelCheckpoint). `path` may contain `{epoch}`
 * (1-based); with saveBestOnly only epochs that improve `monitor` are saved. Saves go through
 * model.save, so they are atomic and include the optimizer state (resumable) by default.
 */
import { ConfigError } from '@recurrent/core';
import type { IOHandler } from '../io/handler.js';
import type { LayersModel } from '../model/layers-model.js';
import { type Callback, type Logs, monitorMode } from './callback.js';

export interface ModelCheckpointOptions {
  /** Where to save: a path (with optional `{epoch}`), an IO handler, or a function of the epoch. */
  path: string | IOHandler | ((epoch: number, logs: Logs) => string | IOHandler);
  /** Default 'val_loss'. */
  monitor?: string;
  /** Save only when `monitor` improves. Default false. */
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /** Save the optimizer state and step with the weights (default true). */
  includeOptimizer?: boolean;
}

export class ModelCheckpoint implements Callback {
  readonly options: ModelCheckpointOptions;
  readonly mode: 'min' | 'max';
  best: number;
  /** Epochs (0-based) that were saved. */
  readonly saved: number[] = [];
  #model?: LayersModel;

  constructor(options: ModelCheckpointOptions) {
    if (!options || (typeof options.path !== 'string' && typeof options.path !== 'function' && typeof options.path !== 'object'))
      throw new ConfigError("modelCheckpoint: path is required (a directory such as 'checkpoints/epoch-{epoch}', or an IO handler).");
    this.options = options;
    try {
      this.mode = monitorMode('modelCheckpoint', options.monitor ?? 'val_loss', options.mode);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  setModel(model: LayersModel): void {
    this.#model = model;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.#model) return;
    const o = this.options;
    if (o.saveBestOnly) {
      const monitor = o.monitor ?? 'val_loss';
      const v = logs[monitor];
      if (v === undefined)
        throw new ConfigError(`modelCheckpoint: monitor '${monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}).`);
      if (!(this.mode === 'min' ? v < this.best : v > this.best)) return;
      this.best = v;
    }
    const target = typeof o.path === 'function' ? o.path(epoch, logs) : o.path;
    const dest = typeof target === 'string' ? target.replaceAll('{epoch}', String(epoch + 1)) : target;
    await this.#model.save(dest, { includeOptimizer: o.includeOptimizer ?? true });
    this.saved.push(epoch);
  }
}

export const modelCheckpoint = (options: ModelCheckpointOptions): ModelCheckpoint => new ModelCheckpoint(options);
