/**
 * Mean-reduced losses with fused gradients: one call returns the loss value (a scalar tensor)
 * and d(value)/d(pred), computed on the device from engine ops (no read-back).
 *
 * Reductions (they match the PyTorch reference fixtures):
 *  - `mse`, `mae`: mean over every element (PyTorch `MSELoss` / `L1Loss`, reduction 'mean').
 *  - `binaryCrossentropy`: mean over every element. For the usual [B, 1] or [B, T, 1] output
 *    that is the mean over prediction rows; for [B, K] it equals Keras's mean over the last
 *    axis followed by the mean over the batch.
 *  - `categoricalCrossentropy`, `sparseCategoricalCrossentropy`: sum over the class axis,
 *    mean over every prediction row (B rows for [B, K], B*T rows for [B, T, K]).
 *
 * Probability inputs (`fromLogits: false`) are clamped to [1e-7, 1 - 1e-7] before the log,
 * as Keras 3 does (Keras's `epsilon()`; no extra epsilon inside the log). The gradient is the
 * exact derivative of that clamped loss, so it is zero where a prediction was clamped (like
 * TensorFlow's clip_by_value gradient). Logit inputs use the stable forms: log-softmax for the
 * categorical losses and max(x,0) - x*y + log(1 + exp(-|x|)) for binary crossentropy.
 */
import type { Shape } from './backend.js';
import type { Engine, Tensor } from './engine.js';
import { ConfigError, FixtureError, LabelRangeError, ShapeError, fmtShape } from './errors.js';
import { sameShape } from './internal/shapes.js';

export type LossName = 'mse' | 'mae' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

export interface LossSpec {
  name: LossName;
  /** The predictions are logits (crossentropies only). Default false: probabilities. */
  fromLogits?: boolean;
}

export interface LossResult {
  /** The mean-reduced loss, shape []. */
  value: Tensor;
  /** d value / d pred, pred's shape. */
  grad: Tensor;
}

/** The clamp applied to probability predictions before taking logs (Keras's epsilon()). */
export const PROBABILITY_EPSILON = 1e-7;

type LossFn = (e: Engine, pred: Tensor, target: Tensor, fromLogits: boolean) => LossResult;

/** Flattens [..., K] to [rows, K] (a view; shares the buffer). */
const rows2d = (x: Tensor): Tensor => {
  const k = x.shape[x.shape.length - 1];
  return x.reshape([x.size / k, k]);
};

/** 1 where clip(p) === p, 0 where the clamp changed p: the derivative of the clamp. */
const clampMask = (e: Engine, p: Tensor, pc: Tensor): Tensor => e.affine(e.sign(e.abs(e.sub(p, pc))), -1, 1);

/** Categorical crossentropy on [R, K] rows; `t` rows may be soft (any non-negative weights). */
function categoricalRows(e: Engine, p: Tensor, t: Tensor, fromLogits: boolean, oneHotTargets: boolean): LossResult {
  const r = p.shape[0];
  if (fromLogits) {
    const ls = e.logSoftmax(p);
    const value = e.scale(e.sumAll(e.mul(t, ls)), -1 / r);
    // d/dx_j of -sum_k t_k log softmax_k = softmax_j * sum_k t_k - t_j.
    const sm = e.softmax(p);
    const scaled = oneHotTargets ? sm : e.mul(sm, e.sumLast(t));
    return { value, grad: e.scale(e.sub(scaled, t), 1 / r) };
  }
  const pc = e.clip(p, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
  const value = e.scale(e.sumAll(e.mul(t, e.log(pc))), -1 / r);
  const grad = e.mul(e.div(t, pc), e.scale(clampMask(e, p, pc), -1 / r));
  return { value, grad };
}

const lossFns: { [K in LossName]: LossFn } = {
  mse: (e, p, t) => {
    const n = p.size;
    const d = e.sub(p, t);
    return { value: e.scale(e.sumAll(e.square(d)), 1 / n), grad: e.scale(d, 2 / n) };
  },
  mae: (e, p, t) => {
    const n = p.size;
    const d = e.sub(p, t);
    // sign(0) = 0: the subgradient PyTorch's L1Loss uses at the kink.
    return { value: e.scale(e.sumAll(e.abs(d)), 1 / n), grad: e.scale(e.sign(d), 1 / n) };
  },
  binaryCrossentropy: (e, x, y, fromLogits) => {
    const n = x.size;
    if (fromLogits) {
      // max(x, 0) - x*y + log(1 + exp(-|x|)): never exponentiates a positive number.
      const softplusTail = e.log(e.affine(e.exp(e.neg(e.abs(x))), 1, 1));
      const elem = e.add(e.sub(e.relu(x), e.mul(x, y)), softplusTail);
      return { value: e.scale(e.sumAll(elem), 1 / n), grad: e.scale(e.sub(e.sigmoid(x), y), 1 / n) };
    }
    const pc = e.clip(x, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const logP = e.log(pc);
    const log1mP = e.log(e.affine(pc, -1, 1));
    // y log p + (1-y) log(1-p) = log(1-p) + y (log p - log(1-p))
    const elem = e.add(log1mP, e.mul(y, e.sub(logP, log1mP)));
    // d/dp of -[y log p + (1-y) log(1-p)] = (p - y) / (p (1 - p)), zero where p was clamped.
    const dp = e.div(e.sub(pc, y), e.mul(pc, e.affine(pc, -1, 1)));
    return { value: e.scale(e.sumAll(elem), -1 / n), grad: e.mul(dp, e.scale(clampMask(e, x, pc), 1 / n)) };
  },
  categoricalCrossentropy: (e, p, t, fromLogits) => {
    const r = categoricalRows(e, rows2d(p), rows2d(t), fromLogits, false);
    return { value: r.value, grad: r.grad.reshape(p.shape) };
  },
  sparseCategoricalCrossentropy: (e, p, labels, fromLogits) => {
    const k = p.shape[p.shape.length - 1];
    const t = e.oneHot(labels, k);
    const r = categoricalRows(e, rows2d(p), rows2d(t), fromLogits, true);
    return { value: r.value, grad: r.grad.reshape(p.shape) };
  },
};

/** Every loss name, in the order of the loss table (the one list; models and tools read it). */
export const LOSS_NAMES: readonly LossName[] = Object.keys(lossFns) as LossName[];
const usesLogits = (name: LossName): boolean => name !== 'mse' && name !== 'mae';

function resolveSpec(loss: LossName | LossSpec): { name: LossName; fromLogits: boolean } {
  const spec: LossSpec = typeof loss === 'string' ? { name: loss } : loss;
  if (!spec || !LOSS_NAMES.includes(spec.name))
    throw new ConfigError(
      `computeLoss: unknown loss ${JSON.stringify(spec?.name ?? loss)}; use one of ${LOSS_NAMES.join(', ')}.`,
    );
  if (spec.fromLogits !== undefined && typeof spec.fromLogits !== 'boolean')
    throw new ConfigError(`${spec.name}: fromLogits must be true or false, got ${JSON.stringify(spec.fromLogits)}.`);
  if (spec.fromLogits !== undefined && !usesLogits(spec.name))
    throw new ConfigError(
      `${spec.name}: fromLogits applies only to the crossentropy losses; remove it (got fromLogits: ${spec.fromLogits}).`,
    );
  return { name: spec.name, fromLogits: spec.fromLogits ?? false };
}

function checkShapes(name: LossName, pred: Tensor, target: Tensor): void {
  const ps = pred.shape;
  const ts = target.shape;
  const categorical = name === 'categoricalCrossentropy' || name === 'sparseCategoricalCrossentropy';
  if (categorical ? ps.length !== 2 && ps.length !== 3 : ps.length < 1)
    throw new ShapeError(`${name} (pred)`, ps, categorical ? '[B, K] or [B, T, K]' : 'rank >= 1 (e.g. [B, K])');
  if (pred.size === 0) throw new ShapeError(`${name} (pred)`, ps, 'at least one element');
  const pFmt = fmtShape(ps);
  if (name === 'sparseCategoricalCrossentropy') {
    const want = ps.slice(0, -1);
    if (!sameShape(ts, want))
      throw new ShapeError(
        `${name} (target)`,
        ts,
        `${fmtShape(want)} (class indices, one per row of pred)`,
        `pred is ${pFmt}.` + (sameShape(ts, ps) ? ' For one-hot targets use categoricalCrossentropy.' : ''),
      );
    return;
  }
  if (!sameShape(ts, ps))
    throw new ShapeError(
      `${name} (target)`,
      ts,
      `${pFmt} (the same shape as pred)`,
      `pred is ${pFmt}.` +
        (categorical && sameShape(ts, ps.slice(0, -1)) ? ' For integer class labels use sparseCategoricalCrossentropy.' : ''),
    );
}

/**
 * The mean-reduced loss and its gradient with respect to `pred`.
 *
 * `pred` is [B, K] or [B, T, K] (the elementwise losses take any rank). `target` has pred's
 * shape, except for `sparseCategoricalCrossentropy`, whose target holds class indices (stored
 * as floats) of shape [B] or [B, T]. Sparse labels are not read back to check them: build them
 * with `labelTensor`, which validates on the host (an out-of-range label here contributes a
 * zero one-hot row). Both returned tensors are owned by the caller.
 */
export function computeLoss(e: Engine, loss: LossName | LossSpec, pred: Tensor, target: Tensor): LossResult {
  const { name, fromLogits } = resolveSpec(loss);
  checkShapes(name, pred, target);
  return e.scope(() => lossFns[name](e, pred, target, fromLogits));
}

/**
 * Uploads integer class labels after checking, on the host, that each is an integer in
 * [0, classes). Throws LabelRangeError naming the first bad label and its position.
 */
export function labelTensor(e: Engine, values: ArrayLike<number>, shape: Shape, classes: number, where: string): Tensor {
  if (!Number.isInteger(classes) || classes < 1)
    throw new ConfigError(`${where}: classes must be an integer >= 1, got ${classes}.`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new LabelRangeError(where, i, v, classes);
  }
  return e.tensor(values, shape, where);
}

const FIXTURE_BASES: readonly (readonly [prefix: string, name: LossName])[] = [
  // longest prefix first
  ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
  ['categorical_crossentropy', 'categoricalCrossentropy'],
  ['binary_crossentropy', 'binaryCrossentropy'],
  ['mean_squared_error', 'mse'],
  ['mean_absolute_error', 'mae'],
  ['mse', 'mse'],
  ['mae', 'mae'],
];

/**
 * Maps a reference-fixture loss name (`binary_crossentropy_from_logits`,
 * `sparse_categorical_crossentropy_from_logits_sequence`, `mse`, ...) to a LossSpec.
 *
 * The name is a base loss followed by `_`-separated tokens. `from_logits` sets fromLogits;
 * any other token (`sequence`, `soft_targets`, ...) describes the data and is returned in
 * `tags`. A token mentioning logits in another form is rejected rather than guessed.
 */
export function parseLossName(fixtureName: string, path = 'losses[].name'): { spec: LossSpec; tags: string[] } {
  const base = FIXTURE_BASES.find(([prefix]) => fixtureName === prefix || fixtureName.startsWith(prefix + '_'));
  if (!base)
    throw new FixtureError(
      path,
      `unknown loss '${fixtureName}'; the name must start with one of ${FIXTURE_BASES.map(([p]) => p).join(', ')}.`,
    );
  const [prefix, name] = base;
  const rest = fixtureName.slice(prefix.length + 1);
  const tokens = rest ? rest.split('_') : [];
  let fromLogits = false;
  const tags: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === 'from' && tokens[i + 1] === 'logits') {
      fromLogits = true;
      i++;
    } else if (/logit/i.test(tokens[i]) || tokens[i] === '') {
      throw new FixtureError(path, `cannot parse loss '${fixtureName}': unexpected token '${tokens[i]}' (use 'from_logits').`);
    } else tags.push(tokens[i]);
  }
  if (fromLogits && !usesLogits(name))
    throw new FixtureError(path, `loss '${fixtureName}': from_logits applies only to crossentropy losses.`);
  return { spec: usesLogits(name) ? { name, fromLogits } : { name }, tags };
}
