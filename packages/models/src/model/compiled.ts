/**
 * What `compile` settles: a loss per model output (one loss for every output, a list in output
 * order, or an object keyed by output name, as tfjs-layers takes them), the metrics of each
 * output, and the optimizer. Log keys: `loss` (the sum over outputs), and with several outputs
 * `<output>_loss` and `<output>_<metric>` (Keras's names).
 */
import { ConfigError, type Optimizer } from '@recurrent/core';
import type { HostTensor } from '../inputs.js';
import type { SymShape } from '../internal/shape.js';
import { prepareTargets, type ResolvedLoss, resolveLoss } from './losses.js';
import { type Metric, type MetricName, type MetricSums, resolveMetrics } from './metrics.js';

export type LossOption = string | { name: string; fromLogits?: boolean };
/** One loss for every output, one per output in order, or by output name. */
export type LossesOption = LossOption | LossOption[] | Record<string, LossOption>;

export interface Compiled {
  /** Per output. */
  losses: ResolvedLoss[];
  /** Per output; keys already prefixed with the output name when there are several outputs. */
  metrics: Metric[][];
  metricNames: MetricName[];
  optimizer: Optimizer;
  /** The loss option, resolved, in the form it was given (saved in model.json). */
  lossConfig: ResolvedLoss | ResolvedLoss[] | Record<string, ResolvedLoss>;
}

const isLossSpec = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'object' && v !== null && 'name' in v && typeof (v as { name: unknown }).name === 'string');

/** compile's loss option against the model's output names. */
export function resolveLosses(loss: unknown, outputs: readonly string[]): Pick<Compiled, 'losses' | 'lossConfig'> {
  if (Array.isArray(loss)) {
    if (loss.length !== outputs.length)
      throw new ConfigError(`compile: ${loss.length} losses for ${outputs.length} outputs (${outputs.join(', ')}); give one per output, in order, or one for all.`);
    const losses = loss.map(resolveLoss);
    return { losses, lossConfig: losses };
  }
  if (typeof loss === 'object' && loss !== null && !isLossSpec(loss)) {
    const given = loss as Record<string, unknown>;
    for (const k of Object.keys(given))
      if (!outputs.includes(k)) throw new ConfigError(`compile: loss for '${k}', which is no output; outputs: ${outputs.join(', ')}.`);
    const losses = outputs.map((o) => {
      if (!Object.hasOwn(given, o)) throw new ConfigError(`compile: no loss for output '${o}'; give { ${outputs.map((n) => `${n}: 'mse'`).join(', ')} }.`);
      return resolveLoss(given[o]);
    });
    return { losses, lossConfig: Object.fromEntries(outputs.map((o, i) => [o, losses[i]])) };
  }
  const one = resolveLoss(loss);
  return { losses: outputs.map(() => one), lossConfig: one };
}

/** The metrics of each output, keyed for the logs. `units`: each output's last axis. */
export function resolveOutputMetrics(names: unknown, losses: readonly ResolvedLoss[], units: readonly number[], outputs: readonly string[]): Metric[][] {
  return losses.map((l, i) =>
    resolveMetrics(names, l, units[i]).map((m) => (outputs.length > 1 ? { ...m, key: `${outputs[i]}_${m.key}` } : m)),
  );
}

/** Last-axis size of each output shape (1 when unknown). */
export const outputUnits = (shapes: readonly (SymShape | undefined)[]): number[] => shapes.map((s) => (s ? (s[s.length - 1] ?? 1) : 1));

/** Targets checked and shaped against each output ([N, ...] concrete shapes). */
export function prepareAllTargets(c: Compiled, ys: HostTensor[], outs: number[][], outputs: readonly string[], where: string): HostTensor[] {
  return ys.map((y, i) => prepareTargets(c.losses[i], y, outs[i], outputs.length > 1 ? `${where} (output '${outputs[i]}')` : where));
}

/** Sums (of loss and metrics, over batches) and their means. */
export class Totals {
  readonly #sums = new Map<string, MetricSums>();

  add(key: string, s: MetricSums): void {
    const t = this.#sums.get(key) ?? { sum: 0, count: 0 };
    t.sum += s.sum;
    t.count += s.count;
    this.#sums.set(key, t);
  }

  addAll(parts: Record<string, MetricSums>): void {
    for (const [k, s] of Object.entries(parts)) this.add(k, s);
  }

  /** Each key's mean (0 when nothing was counted). */
  means(): Record<string, number> {
    return Object.fromEntries([...this.#sums].map(([k, s]) => [k, mean(s)]));
  }
}

export const mean = (s: MetricSums): number => (s.count ? s.sum / s.count : 0);
