/**
 * Metrics, computed on the host from the predictions of each batch and summed over the epoch
 * (so an epoch's value is over all its samples, not a mean of batch means). On a masked
 * sequence output only valid steps count.
 *
 * 'accuracy' (or 'acc') picks the accuracy that fits the loss, as Keras does: binary for
 * binaryCrossentropy (and for mse/mae on a 1-unit output), categorical for
 * categoricalCrossentropy, sparse categorical for sparseCategoricalCrossentropy. Binary
 * accuracy thresholds probabilities at 0.5, or logits at 0 when the loss is fromLogits.
 */
import { ConfigError } from '@recurrent/core';
import type { SeqMask } from '../internal/mask.js';
import type { ResolvedLoss } from './losses.js';

export type MetricName =
  | 'accuracy'
  | 'acc'
  | 'binaryAccuracy'
  | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy'
  | 'mae'
  | 'mse';

export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mae', 'mse'];

type Kind = 'binary' | 'categorical' | 'sparse' | 'mae' | 'mse';

export interface Metric {
  /** The key in logs and history (as given to compile). */
  key: string;
  kind: Kind;
  threshold: number;
}

export function resolveMetrics(metrics: unknown, loss: ResolvedLoss, outUnits: number): Metric[] {
  if (metrics === undefined) return [];
  if (!Array.isArray(metrics)) throw new ConfigError(`compile: metrics must be an array such as ['accuracy'], got ${JSON.stringify(metrics)}.`);
  const seen = new Set<string>();
  return metrics.map((m) => {
    if (typeof m !== 'string' || !METRIC_NAMES.includes(m as MetricName))
      throw new ConfigError(`compile: unknown metric ${JSON.stringify(m)}; use ${METRIC_NAMES.join(', ')}.`);
    if (seen.has(m)) throw new ConfigError(`compile: metric '${m}' is listed twice.`);
    seen.add(m);
    let kind: Kind;
    switch (m as MetricName) {
      case 'accuracy':
      case 'acc':
        kind =
          loss.name === 'sparseCategoricalCrossentropy'
            ? 'sparse'
            : loss.name === 'categoricalCrossentropy' || (loss.name !== 'binaryCrossentropy' && outUnits > 1)
              ? 'categorical'
              : 'binary';
        break;
      case 'binaryAccuracy':
        kind = 'binary';
        break;
      case 'categoricalAccuracy':
        kind = 'categorical';
        break;
      case 'sparseCategoricalAccuracy':
        kind = 'sparse';
        break;
      default:
        kind = m as 'mae' | 'mse';
    }
    if (kind === 'sparse' && loss.name !== 'sparseCategoricalCrossentropy')
      throw new ConfigError(`compile: '${m}' needs integer class targets, i.e. the sparseCategoricalCrossentropy loss.`);
    if (kind !== 'sparse' && loss.name === 'sparseCategoricalCrossentropy')
      throw new ConfigError(`compile: '${m}' compares predictions with targets of the same shape; with sparse labels use 'accuracy'.`);
    return { key: m, kind, threshold: loss.fromLogits ? 0 : 0.5 };
  });
}

export interface MetricSums {
  sum: number;
  count: number;
}

/**
 * Sums of one metric over a batch. `pred` is [rows, K] row-major (any leading shape flattened),
 * `target` the prepared targets (sparse: one label per row).
 */
export function metricSums(m: Metric, pred: ArrayLike<number>, target: ArrayLike<number>, K: number, mask: SeqMask | undefined): MetricSums {
  const rows = pred.length / K;
  let sum = 0;
  let count = 0;
  const argmax = (a: ArrayLike<number>, off: number) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (a[off + k] > a[off + best]) best = k;
    return best;
  };
  for (let r = 0; r < rows; r++) {
    if (mask && !mask.valid[r]) continue;
    const o = r * K;
    switch (m.kind) {
      case 'binary':
        for (let k = 0; k < K; k++) sum += pred[o + k] > m.threshold === target[o + k] > 0.5 ? 1 : 0;
        count += K;
        break;
      case 'categorical':
        sum += argmax(pred, o) === argmax(target, o) ? 1 : 0;
        count++;
        break;
      case 'sparse':
        sum += argmax(pred, o) === target[r] ? 1 : 0;
        count++;
        break;
      case 'mae':
        for (let k = 0; k < K; k++) sum += Math.abs(pred[o + k] - target[o + k]);
        count += K;
        break;
      case 'mse':
        for (let k = 0; k < K; k++) sum += (pred[o + k] - target[o + k]) ** 2;
        count += K;
        break;
    }
  }
  return { sum, count };
}
