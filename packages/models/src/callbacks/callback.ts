/**
 * Training callbacks. A callback is any object with some of these hooks, so plain hooks
 * (`{ onEpochEnd: (epoch, logs) => ... }`) and the built-in callbacks are used the same way.
 * Hooks may be async; fit awaits them. Setting `model.stopTraining = true` ends fit after the
 * current batch.
 */
import type { LayersModel } from '../model/layers-model.js';

/** Loss and metric values by name: `loss`, `accuracy`, `val_loss`, ... */
export type Logs = Record<string, number>;

export interface Callback {
  setModel?(model: LayersModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  /** `epoch` is 0-based. */
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  /** Logs hold the epoch's loss and metrics, and val_* when there is validation data. */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  /** Logs hold `batch`, `size` and the batch's loss and metrics. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /**
   * Something about the run the user should see, e.g. a loss that grew by orders of magnitude
   * (training is diverging without going non-finite). Also in `history.warnings`; the progress
   * output prints it.
   */
  onWarning?(message: string, logs: Logs): void | Promise<void>;
}

export class CallbackList {
  readonly #list: Callback[];
  constructor(list: Callback[], model: LayersModel) {
    this.#list = list;
    for (const c of list) c.setModel?.(model);
  }
  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onBatchEnd?.(batch, logs);
  }
  async warning(message: string, logs: Logs): Promise<void> {
    for (const c of this.#list) await c.onWarning?.(message, logs);
  }
}

/** 'min' or 'max' for a monitored quantity: accuracies go up, everything else down. */
export function monitorMode(where: string, monitor: string, mode: 'auto' | 'min' | 'max' | undefined): 'min' | 'max' {
  const m = mode ?? 'auto';
  if (m === 'min' || m === 'max') return m;
  if (m !== 'auto') throw new Error(`${where}: mode must be 'auto', 'min' or 'max', got '${String(m)}'.`);
  return /acc/i.test(monitor) ? 'max' : 'min';
}
