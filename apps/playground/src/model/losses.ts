/**
 * The head's loss and its gradient: core's computeLoss for the 'binary' (logit) and 'mse' heads,
 * and a masked per-step softmax cross-entropy for sequence heads, where padded steps must not
 * count (core's losses have no mask).
 */
import { computeLoss, type Engine, type LossResult, type Tensor } from '@recurrent/core';
import type { LossKind } from '../tasks/task.js';

/**
 * Mean over the steps with mask 1 of -log softmax(logits)[label]. logits [R, K], labels [R],
 * mask [R, 1]. Gradient: (softmax - onehot) * mask / count.
 */
export function maskedSoftmaxCrossEntropy(e: Engine, logits: Tensor, labels: Tensor, mask: Tensor, count: number): LossResult {
  return e.scope(() => {
    const K = logits.shape[1];
    const oneHot = e.oneHot(labels, K);
    const w = 1 / Math.max(1, count);
    const value = e.scale(e.sumAll(e.mul(e.mul(oneHot, e.logSoftmax(logits)), mask)), -w);
    const grad = e.scale(e.mul(e.sub(e.softmax(logits), oneHot), mask), w);
    return { value, grad };
  });
}

export function headLoss(
  e: Engine,
  kind: LossKind,
  out: Tensor,
  target: Float32Array,
  mask: Float32Array | undefined,
): LossResult {
  return e.scope(() => {
    if (kind === 'sequenceCe') {
      const R = out.shape[0];
      let count = 0;
      for (const m of mask!) count += m;
      return maskedSoftmaxCrossEntropy(e, out, e.tensor(target, [R]), e.tensor(mask!, [R, 1]), count);
    }
    const t = e.tensor(target, out.shape);
    return computeLoss(e, kind === 'binary' ? { name: 'binaryCrossentropy', fromLogits: true } : 'mse', out, t);
  });
}
