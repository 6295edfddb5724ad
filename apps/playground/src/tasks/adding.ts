/**
 * The adding problem (Hochreiter and Schmidhuber 1997, in the form of Le et al. 2015): each step
 * carries a random number in [0, 1) and a marker; exactly two steps are marked, one in each half
 * of the sequence, and the target is the sum of the two marked numbers. The model must hold the
 * first marked number across up to T steps. Predicting 1 always gives a mean squared error of
 * about 0.167; a sequence counts as solved when the error is under 0.04 (Hochreiter's criterion).
 * A SimpleRNN's gradient through T steps vanishes as T grows, so it stays at the baseline where
 * LSTM and GRU learn.
 */
import { Rng } from '@recurrent/core';
import { type Batch, type Task, pct } from './task.js';

export const SOLVED_ERROR = 0.04;

function makeBatch(rng: Rng, B: number, T: number): Batch {
  const x = new Float32Array(B * T * 2);
  const target = new Float32Array(B);
  const half = Math.max(1, Math.floor(T / 2));
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) x[(b * T + t) * 2] = rng.next();
    const first = rng.int(half);
    const second = half + rng.int(T - half);
    x[(b * T + first) * 2 + 1] = 1;
    x[(b * T + second) * 2 + 1] = 1;
    target[b] = x[(b * T + first) * 2] + x[(b * T + second) * 2];
  }
  return { x, B, T, D: 2, target };
}

export function addingTask(T: number): Task {
  const validation = makeBatch(new Rng(12345), 256, T);
  return {
    id: 'adding',
    title: 'Adding problem (long-range memory)',
    blurb: `${T} random numbers, two of them marked, one in each half: output their sum. Always answering 1 scores MSE ≈ 0.167; watch the gradient per step vanish for SimpleRNN as T grows.`,
    inputSize: 2,
    outputSize: 1,
    head: 'last',
    loss: 'mse',
    metric: { name: `solved (|error| < ${SOLVED_ERROR})`, higherIsBetter: true, format: pct },
    trainSize: Number.POSITIVE_INFINITY,
    validation,
    trainBatch: (rng, B) => makeBatch(rng, B, T),
    score(pred, batch) {
      let sum = 0;
      for (let i = 0; i < batch.B; i++) if (Math.abs(pred[i] - batch.target[i]) < SOLVED_ERROR) sum++;
      return { sum, count: batch.B };
    },
    exampleCount: validation.B,
    example(i) {
      const b = ((i % validation.B) + validation.B) % validation.B;
      const x = validation.x.slice(b * T * 2, (b + 1) * T * 2);
      const target = validation.target.slice(b, b + 1);
      const marked: number[] = [];
      for (let t = 0; t < T; t++) if (x[t * 2 + 1] === 1) marked.push(t);
      return {
        batch: { x, B: 1, T, D: 2, target },
        stepLabels: Array.from({ length: T }, (_, t) => (x[t * 2 + 1] === 1 ? '●' : '')),
        describe: (pred) =>
          `Marked steps ${marked.join(' and ')}: ${marked.map((t) => x[t * 2].toFixed(2)).join(' + ')} = ${target[0].toFixed(2)}; the model says ${pred[0].toFixed(2)}.`,
      };
    },
  };
}
