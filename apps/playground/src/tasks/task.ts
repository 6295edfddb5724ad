/**
 * What a task gives the trainer: batches of sequences with targets, a fixed validation set, how
 * to score predictions, and single examples to look inside the network with.
 */
import type { Rng } from '@recurrent/core';
import type { HostTensor } from '@recurrent/models';

/** A batch of sequences, batch-first and row-major, as the trainer uploads it. */
export interface Batch {
  /** [B, T, D] inputs. */
  x: Float32Array;
  B: number;
  T: number;
  D: number;
  /** Valid steps per sample when sequences are padded (post-padding). */
  lengths?: number[];
  /**
   * Targets: [B, K] for a head on the last state (a 0/1 label for 'binary', values for 'mse');
   * [B] class indices for 'classes';
   * [B * T] class indices for a head on every step ('sequenceCe').
   */
  target: Float32Array;
  /** 'sequenceCe': [B * T] weights, 1 at the steps that count, 0 at padding. */
  mask?: Float32Array;
  /**
   * A model with several token inputs (g2p: letters [B, letters] and previous phonemes [B, T])
   * takes these instead of x (then empty, D = 0); T is the decoder's steps.
   */
  inputs?: HostTensor[];
}

/**
 * 'classes': one class index per sequence against K logits on the last state; 'sequenceProbs':
 * a class index per step against the model's probabilities (the g2p encoder-decoder ends in a softmax).
 */
export type LossKind = 'binary' | 'mse' | 'classes' | 'sequenceCe' | 'sequenceProbs';

export interface Example {
  batch: Batch;
  /** One label per step for the heatmaps' time axis (a character, a date, a marker). */
  stepLabels: string[];
  /** A sentence about the example and the model's prediction (the head's raw output). */
  describe(pred: Float32Array): string;
}

export interface Task {
  readonly id: string;
  readonly title: string;
  /** One line shown under the task picker. */
  readonly blurb: string;
  readonly inputSize: number;
  /** Head outputs per prediction: 1 (a logit or a value) or the vocabulary size. */
  readonly outputSize: number;
  /** Where the dense head reads: the final state, or the state at every step. */
  readonly head: 'last' | 'sequence';
  readonly loss: LossKind;
  readonly metric: { name: string; higherIsBetter: boolean; format(v: number): string };
  /**
   * The library metric (compile's `metrics`) that gives this metric on a training batch, and the
   * factor from its value to this metric's unit; none when the library has no such metric (the
   * training curve then shows validation only).
   */
  readonly trainMetric?: { name: 'accuracy' | 'mae'; scale: number };
  /** Training sequences available (Infinity for generated data). */
  readonly trainSize: number;
  readonly validation: Batch;
  /** A training batch of B samples drawn with `rng`. */
  trainBatch(rng: Rng, B: number): Batch;
  /**
   * The metric's numerator and denominator over a batch, from the head's raw outputs; absent
   * when the metric needs decoding (g2p: the run decodes the held-out words).
   */
  score?(pred: Float32Array, batch: Batch): { sum: number; count: number };
  /** Validation example i (wrapped around), unpadded. */
  example(i: number): Example;
  readonly exampleCount: number;
}

/** Rows [start, start + n) of a batch (for evaluating a large validation set in chunks). */
export function sliceBatch(b: Batch, start: number, n: number): Batch {
  const per = b.T * b.D;
  const K = b.target.length / b.B;
  return {
    x: b.x.subarray(start * per, (start + n) * per),
    B: n,
    T: b.T,
    D: b.D,
    lengths: b.lengths?.slice(start, start + n),
    target: b.target.subarray(start * K, (start + n) * K),
    mask: b.mask?.subarray(start * b.T, (start + n) * b.T),
  };
}

/** 0/1 accuracy of logits against 0/1 labels. */
export function binaryScore(pred: Float32Array, batch: Batch): { sum: number; count: number } {
  let sum = 0;
  for (let i = 0; i < batch.B; i++) if (pred[i] > 0 === batch.target[i] > 0.5) sum++;
  return { sum, count: batch.B };
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
export const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
