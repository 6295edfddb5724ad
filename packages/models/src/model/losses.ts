/**
 * The compiled loss: checking targets against the model's output before training, and the
 * loss forward/backward of one batch (masked sequence outputs use only their valid steps).
 */
import {
  ConfigError,
  computeLoss,
  type Engine,
  InputError,
  LabelRangeError,
  LOSS_NAMES,
  type LossName,
  type LossSpec,
  ShapeError,
  type Tensor,
} from '@recurrent/core';
import type { HostTensor } from '../inputs.js';
import type { Backward, LayerCall } from '../layers/layer.js';
import { allValid, type SeqMask, validRows } from '../internal/mask.js';
import { fmt } from '../internal/shape.js';

/** Keras-style aliases accepted by compile. */
const ALIASES: Record<string, LossName> = {
  meanSquaredError: 'mse',
  meanAbsoluteError: 'mae',
  mean_squared_error: 'mse',
  mean_absolute_error: 'mae',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

export interface ResolvedLoss {
  name: LossName;
  fromLogits: boolean;
}

export function resolveLoss(loss: unknown): ResolvedLoss {
  const spec = (typeof loss === 'string' ? { name: loss } : loss) as { name?: unknown; fromLogits?: unknown } | undefined;
  const raw = spec && typeof spec === 'object' ? (spec.name as string) : undefined;
  const name = raw && Object.hasOwn(ALIASES, raw) ? ALIASES[raw] : (raw as LossName | undefined);
  if (!name || !LOSS_NAMES.includes(name))
    throw new ConfigError(`compile: unknown loss ${JSON.stringify(raw ?? loss)}; use one of ${LOSS_NAMES.join(', ')} (or { name, fromLogits }).`);
  const fromLogits = spec?.fromLogits ?? false;
  if (typeof fromLogits !== 'boolean') throw new ConfigError(`compile: fromLogits must be true or false, got ${String(fromLogits)}.`);
  if (fromLogits && (name === 'mse' || name === 'mae')) throw new ConfigError(`compile: fromLogits applies only to crossentropy losses, not ${name}.`);
  return { name, fromLogits };
}

export const lossSpec = (l: ResolvedLoss): LossSpec => (l.name === 'mse' || l.name === 'mae' ? { name: l.name } : { name: l.name, fromLogits: l.fromLogits });

/**
 * Checks and shapes the targets for a model output of shape `out` ([N, ...], concrete):
 * sparse labels are `out` without its class axis (a trailing 1 is dropped), other losses take
 * `out`'s shape (a flat [N] is accepted for an [N, 1] output). Values are checked: labels are
 * integers in [0, classes), binary targets in [0, 1], categorical targets >= 0.
 */
export function prepareTargets(loss: ResolvedLoss, y: HostTensor, out: readonly number[], where: string): HostTensor {
  const K = out[out.length - 1];
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const name = loss.name;
  if (name === 'sparseCategoricalCrossentropy') {
    const want = out.slice(0, -1);
    let shape = y.shape;
    if (same(shape, [...want, 1])) shape = want;
    if (!same(shape, want))
      throw new ShapeError(
        `${where} (${name} targets)`,
        y.shape,
        `${fmt(want)} (one class index per output row)`,
        `The model outputs ${fmt(out)}.` + (same(y.shape, out) ? ' For one-hot targets use categoricalCrossentropy.' : ''),
      );
    if (K < 2)
      throw new ConfigError(
        `${where}: sparseCategoricalCrossentropy needs at least 2 classes, but the model outputs ${K} value per row. ` +
          'Give the last layer one unit per class (with softmax), or use binaryCrossentropy for two classes with one unit.',
      );
    for (let i = 0; i < y.data.length; i++) {
      const v = y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= K) throw new LabelRangeError(`${where} (${name} targets)`, i, v, K);
    }
    return { data: y.data, shape: [...shape] };
  }
  let shape = y.shape;
  if (K === 1 && same(shape, out.slice(0, -1))) shape = [...out];
  if (!same(shape, out)) {
    let hint = `The model outputs ${fmt(out)}.`;
    if (name === 'categoricalCrossentropy' && same(y.shape, out.slice(0, -1)))
      hint += ' For integer class labels use sparseCategoricalCrossentropy.';
    else if (name === 'binaryCrossentropy' && K > 1 && same(y.shape, out.slice(0, -1)))
      hint += ` The last layer has ${K} units: for ${K} classes use sparseCategoricalCrossentropy with a softmax layer, or give the last layer 1 unit (sigmoid) for a yes/no target.`;
    else if (y.shape.length !== out.length) hint += ` Targets need rank ${out.length}.`;
    throw new ShapeError(`${where} (${name} targets)`, y.shape, fmt(out), hint);
  }
  if (name === 'binaryCrossentropy')
    for (let i = 0; i < y.data.length; i++)
      if (!(y.data[i] >= 0 && y.data[i] <= 1))
        throw new InputError(`${where}: binaryCrossentropy target ${y.data[i]} at flat position ${i} is outside [0, 1]. Targets are 0/1 labels or probabilities.`);
  if (name === 'categoricalCrossentropy')
    for (let i = 0; i < y.data.length; i++)
      if (y.data[i] < 0)
        throw new InputError(`${where}: categoricalCrossentropy target ${y.data[i]} at flat position ${i} is negative; targets are one-hot rows or probabilities.`);
  if (name === 'categoricalCrossentropy' && K < 2)
    throw new ConfigError(`${where}: categoricalCrossentropy on a 1-unit output is always 0; use binaryCrossentropy, or one unit per class with softmax.`);
  return { data: y.data, shape: [...shape] };
}

/** Whether the loss is computed from the last layer's logits (sigmoid + BCE, softmax + CCE). */
export function usesLogitsOf(loss: ResolvedLoss, last: LayerCall): boolean {
  if (loss.fromLogits || !last.logits) return false;
  const act = last.logits.activation;
  if (loss.name === 'binaryCrossentropy') return act === 'sigmoid';
  return (loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy') && act === 'softmax';
}

export interface BatchLoss {
  value: Tensor;
  /** Rows the mean is over (valid rows of a masked sequence). */
  rows: number;
  backward(): Backward;
}

/** Rows of [..., K]: [B, K] has B rows, [B, T, K] has B*T. */
const rowCount = (shape: readonly number[]) => shape.slice(0, -1).reduce((a, b) => a * b, 1);

/**
 * The mean loss of a batch and its backward. When the last layer ends in sigmoid/softmax and
 * the loss is the matching crossentropy on probabilities, the loss is computed from the
 * logits (the same value where probabilities are not clamped; an exact, non-vanishing
 * gradient where they are), as Keras 3 does on TensorFlow.
 */
export function batchLoss(e: Engine, loss: ResolvedLoss, last: LayerCall, target: HostTensor, mask: SeqMask | undefined): BatchLoss {
  const logits = usesLogitsOf(loss, last);
  const pred = logits ? last.logits!.z : last.out.t;
  const spec: LossSpec = logits ? { name: loss.name, fromLogits: true } : lossSpec(loss);
  const back = (grad: Tensor) => (logits ? last.logits!.backward(grad) : last.backward(grad));
  const sparse = loss.name === 'sparseCategoricalCrossentropy';
  if (mask && pred.shape.length === 3 && !allValid(mask)) {
    const [B, T, K] = pred.shape;
    const rows = validRows(mask);
    if (rows.length === 0) return { value: e.zeros([]), rows: 0, backward: () => back(e.zeros(pred.shape)) };
    const idx = e.tensor(rows, [rows.length]);
    const p = e.run('gatherRows', [pred.reshape([B * T, K]), idx], {});
    const w = sparse ? 1 : K;
    const tv = new Float64Array(rows.length * w);
    rows.forEach((r, i) => {
      for (let k = 0; k < w; k++) tv[i * w + k] = target.data[r * w + k];
    });
    const t = e.tensor(tv, sparse ? [rows.length] : [rows.length, K]);
    const { value, grad } = computeLoss(e, spec, p, t);
    return {
      value,
      rows: rows.length,
      backward: () => back(e.run('scatterAddRows', [grad, idx], { rows: B * T }).reshape(pred.shape)),
    };
  }
  const t = e.tensor(target.data, target.shape);
  const { value, grad } = computeLoss(e, spec, pred, t);
  return { value, rows: rowCount(pred.shape), backward: () => back(grad) };
}
