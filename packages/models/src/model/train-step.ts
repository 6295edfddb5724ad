/**
 * One training step on one batch: forward through the graph, the loss of every output,
 * backward, then the per-layer gradient norms are read back (one read, with the loss) before
 * the optimizer step, so a non-finite gradient stops training with the weights untouched
 * (TrainingDivergedError names the layer where it started).
 */
import type { Engine, Param, Rng, Tensor } from '@recurrent/core';
import { TrainingDivergedError } from '../errors.js';
import type { HostTensor } from '../inputs.js';
import type { CallContext, RecurrentObserver } from '../layers/layer.js';
import { inBatchScope, inputActivations } from './batch-loop.js';
import type { Compiled } from './compiled.js';
import type { GraphRun, LayerGraph } from './graph.js';
import { type BatchLoss, batchLoss } from './losses.js';
import { type MetricSums, metricSums } from './metrics.js';

/** A batch on the host: one tensor per model input and per output's targets. */
export interface Batch {
  xs: HostTensor[];
  ys: HostTensor[];
  /** Initial states by layer name (fit's initialState option); freed after the step. */
  init?: Map<string, Tensor[]>;
  /** What the recurrent layers report during this step (trainOnBatch's observe). */
  observe?: RecurrentObserver;
}

export interface StepResult {
  /** The batch loss (the sum over outputs). */
  loss: number;
  /** Rows the loss is a mean over (valid rows of a masked sequence), for epoch means. */
  rows: number;
  /** Per-output losses (several outputs) and metrics: sums for epoch means. */
  parts: Record<string, MetricSums>;
}

/** The model as the step sees it. */
export interface StepModel {
  engine: Engine;
  graph: LayerGraph;
  params: Param[];
  compiled: Compiled;
  rng: Rng;
  outputNames: readonly string[];
}

/** The losses of every output, summed. One output: exactly its batchLoss. */
export function graphLoss(e: Engine, c: Compiled, run: GraphRun, ys: HostTensor[]): BatchLoss & { each: BatchLoss[] } {
  const each = run.outputs.map((o, i) => batchLoss(e, c.losses[i], o, ys[i], o.out.mask));
  if (each.length === 1) return { ...each[0], each };
  return {
    value: each.slice(1).reduce((s, l) => e.add(s, l.value), each[0].value),
    rows: ys[0].shape[0],
    backward: () => {
      for (const l of each) l.backward();
      return { grads: [] };
    },
    each,
  };
}

/** Metric (and, with several outputs, per-output loss) sums of a batch from host values. */
export function batchParts(c: Compiled, outputNames: readonly string[], ys: HostTensor[], preds: { data: ArrayLike<number>; shape: readonly number[]; mask?: { valid: Uint8Array } }[], losses?: { value: number; rows: number }[]): Record<string, MetricSums> {
  const parts: Record<string, MetricSums> = {};
  if (losses && outputNames.length > 1) losses.forEach((l, i) => (parts[`${outputNames[i]}_loss`] = { sum: l.value * l.rows, count: l.rows }));
  c.metrics.forEach((ms, i) => {
    if (ms.length === 0) return;
    const p = preds[i];
    const K = p.shape[p.shape.length - 1];
    for (const m of ms) parts[m.key] = metricSums(m, p.data, ys[i].data, K, p.mask as never);
  });
  return parts;
}

/** Power-of-two scale of the overflow-free squared norm (exact in float32): 2^-80. */
const NORM_SCALE = 2 ** -80;

/** The sum over `ts` of sumAll(f(t)), as a [1, 1] tensor. */
function statOf(e: Engine, ts: Tensor[], f: (t: Tensor) => Tensor): Tensor {
  return ts.reduce((acc: Tensor, t) => e.add(acc, e.sumAll(f(t))), e.zeros([])).reshape([1, 1]);
}

/**
 * Per layer (`counts[i]` gradients each, in order), the squared norm of its gradients and the
 * same scaled by NORM_SCALE: the squared norm of finite float32 values can overflow (any element
 * above 1.8e19); the scaled sum cannot, and gives the norm on the host in float64.
 */
async function gradientSquares(e: Engine, grads: Tensor[], counts: number[]): Promise<ArrayLike<number>> {
  const all = e.scope(() => {
    let at = 0;
    const parts = counts.flatMap((n) => {
      const gs = grads.slice(at, (at += n));
      return [statOf(e, gs, (g) => e.square(g)), statOf(e, gs, (g) => e.square(e.affine(g, NORM_SCALE, 0)))];
    });
    return e.concatCols(parts);
  });
  try {
    return await all.data();
  } finally {
    all.dispose();
  }
}

/**
 * A layer's gradient L2 norm from its device sums: `flag` (NaN when some element is not
 * finite), the squared norm and the squared norm of the gradient times NORM_SCALE. When the
 * plain sum overflowed float32, the scaled one (which cannot: (3.4e38 * 2^-80)^2 = 8e28 per
 * element) is rescaled in float64.
 */
function gradientNorm(flag: number, squares: number, scaledSquares: number): number {
  if (!Number.isFinite(flag)) return Number.NaN;
  if (Number.isFinite(squares)) return Math.sqrt(squares);
  return Math.sqrt(scaledSquares) / NORM_SCALE;
}

/**
 * One training step. Returns the batch loss and metric sums; throws TrainingDivergedError
 * (without updating) when the loss or a gradient is not finite.
 */
export async function trainStep(m: StepModel, batch: Batch, pos: { epoch: number; batch: number }): Promise<StepResult> {
  const e = m.engine;
  const c = m.compiled;
  const layers = m.graph.layers;
  const nodesOf = layers.map((_, i) => m.graph.nodesOf(i));
  const r = inBatchScope(e, batch.init, (defer) => {
    const ctx: CallContext = { e, training: true, rng: m.rng, defer, ...(batch.observe ? { observe: batch.observe } : {}) };
    const run = m.graph.run(ctx, inputActivations(e, batch.xs), batch.init);
    const L = graphLoss(e, c, run, batch.ys);
    L.backward();
    const perLayer = run.backward();
    // One read for what the host checks at every step: [loss, per-output losses, then per
    // layer: a non-finite flag of its gradient and of its forward output]. x * 0 is NaN exactly
    // where x is NaN or infinite, so the flags cannot overflow. The gradient norms, reported only
    // when training diverged, are computed then (gradientSquares): two passes over every
    // gradient fewer per step.
    const perLayerStats = perLayer.flatMap((gs, i) => [
      statOf(e, gs, (g) => e.affine(g, 0, 0)),
      statOf(e, nodesOf[i].map((n) => run.calls[n].out.t), (y) => e.affine(y, 0, 0)),
    ]);
    const outputLosses = L.each.length > 1 ? L.each.map((l) => l.value.reshape([1, 1])) : [];
    const parts = [L.value.reshape([1, 1]), ...outputLosses, ...perLayerStats];
    return {
      grads: perLayer.flat(),
      counts: perLayer.map((gs) => gs.length),
      stats: e.concatCols(parts),
      preds: run.outputs.map((o) => o.out.t),
      masks: run.outputs.map((o) => o.out.mask),
      rows: L.rows,
      outputRows: L.each.map((l) => l.rows),
    };
  });
  try {
    const stats = await r.stats.data();
    const loss = stats[0];
    const nOut = r.outputRows.length > 1 ? r.outputRows.length : 0;
    const at = (i: number, k: number) => stats[1 + nOut + 2 * i + k];
    const badGrad = layers.map((_, i) => i).filter((i) => !Number.isFinite(at(i, 0)));
    if (!Number.isFinite(loss) || badGrad.length > 0) {
      const sums = await gradientSquares(e, r.grads, r.counts);
      const norms = layers.map((l, i) => `${l.name} ${gradientNorm(at(i, 0), sums[2 * i], sums[2 * i + 1])}`).join(', ');
      let origin: string;
      let detail: string;
      if (badGrad.length) {
        // Backpropagation runs last layer to first: the last bad layer is where it started.
        origin = layers[badGrad[badGrad.length - 1]].name;
        detail = Number.isFinite(loss)
          ? `the loss is finite (${loss}) but the gradient of layer '${origin}' has NaN or infinite values.`
          : `the loss is ${loss}; the gradient of layer '${origin}' went non-finite first (in backpropagation order).`;
      } else {
        // The gradients are finite: the forward pass overflowed. Name the first layer whose
        // output is not finite, or the last layer if only the loss on its output overflowed.
        const firstBadOut = layers.findIndex((_, i) => !Number.isFinite(at(i, 1)));
        origin = layers[firstBadOut >= 0 ? firstBadOut : layers.length - 1].name;
        detail =
          firstBadOut >= 0
            ? `the loss is ${loss}; the output of layer '${origin}' went non-finite first (in forward order).`
            : `the loss is ${loss}: it overflowed on the (finite) output of the last layer '${origin}'.`;
      }
      throw new TrainingDivergedError(pos.epoch, pos.batch, origin, loss, `${detail} Per-layer gradient norms: ${norms}.`);
    }
    c.optimizer.step(m.params, r.grads);
    const wantPreds = c.metrics.some((ms) => ms.length > 0);
    const preds = wantPreds ? await Promise.all(r.preds.map(async (p, i) => ({ data: await p.data(), shape: p.shape, mask: r.masks[i] }))) : [];
    const outputLosses = nOut ? r.outputRows.map((rows, i) => ({ value: stats[1 + i], rows })) : undefined;
    return { loss, rows: r.rows, parts: wantPreds || outputLosses ? batchParts(c, m.outputNames, batch.ys, preds, outputLosses) : {} };
  } finally {
    for (const g of r.grads) g.dispose();
    r.stats.dispose();
    for (const p of new Set(r.preds)) p.dispose();
  }
}
