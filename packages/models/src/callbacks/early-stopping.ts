/**
 * Stops training when a monitored quantity stops improving (Keras 3 EarlyStopping).
 * With restoreBestWeights, the weights of the best epoch are put back when training ends.
 */
import { ConfigError } from '@recurrent/core';
import type { LayersModel } from '../model/layers-model.js';
import type { NamedWeight } from '../model/weights.js';
import { type Callback, type Logs, monitorMode } from './callback.js';

export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** An improvement must be larger than this. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Default 'auto': 'max' for accuracies, else 'min'. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the quantity beats this value. */
  baseline?: number;
  /** Put back the best epoch's weights at the end. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before counting. Default 0. */
  startFromEpoch?: number;
}

export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** The epoch (0-based) training stopped after, or -1. */
  stoppedEpoch = -1;
  /** The best epoch (0-based) and value seen. */
  bestEpoch = -1;
  best = NaN;
  #wait = 0;
  #model?: LayersModel;
  #bestWeights?: NamedWeight[];

  constructor(options: EarlyStoppingOptions = {}) {
    const w = 'earlyStopping';
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new ConfigError(`${w}: patience must be an integer >= 0, got ${this.patience}.`);
    if (!Number.isFinite(this.minDelta)) throw new ConfigError(`${w}: minDelta must be finite.`);
    try {
      this.mode = monitorMode(w, this.monitor, options.mode);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    this.baseline = options.baseline;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
  }

  setModel(model: LayersModel): void {
    this.#model = model;
  }

  #improves(current: number, reference: number): boolean {
    return this.mode === 'min' ? current < reference - this.minDelta : current > reference + this.minDelta;
  }

  onTrainBegin(): void {
    this.#wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.#bestWeights = undefined;
  }

  // Keras 3's rule: `wait` counts epochs since the last improvement that also beat the baseline;
  // training stops once it reaches `patience` (never after the first epoch).
  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const current = logs[this.monitor];
    if (current === undefined)
      throw new ConfigError(
        `earlyStopping: monitor '${this.monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}). ` +
          (this.monitor.startsWith('val_') ? 'Pass validationData or validationSplit to fit, or monitor a training quantity.' : 'Check the metric name.'),
      );
    if (epoch < this.startFromEpoch || !this.#model) return;
    if (this.restoreBestWeights && !this.#bestWeights) {
      this.#bestWeights = await this.#model.getWeights();
      this.bestEpoch = epoch;
    }
    this.#wait++;
    if (this.#improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = await this.#model.getWeights();
      if (this.baseline === undefined || this.#improves(current, this.baseline)) this.#wait = 0;
      return;
    }
    if (this.#wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.#model.stopTraining = true;
    }
  }

  async onTrainEnd(): Promise<void> {
    if (this.restoreBestWeights && this.#bestWeights && this.#model) await this.#model.setWeightsWhenIdle(this.#bestWeights);
  }
}

export const earlyStopping = (options: EarlyStoppingOptions = {}): EarlyStopping => new EarlyStopping(options);
