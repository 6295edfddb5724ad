/**
 * Handwritten digits (MNIST, from the `mnist` package) read row by row: each 28 x 28 image is a
 * sequence of 28 steps of 28 grey levels, and the last state says which digit (10 logits, the
 * library's sparse categorical cross-entropy). The bundled subset is fixed at build time
 * (data-files.ts): 300 images of each digit train, 100 others of each are the held-out test set
 * that the metric chart scores.
 */
import type { Rng } from '@recurrent/core';
import { data } from '@recurrent/models';
import { type Batch, pct, type Task } from './task.js';

/** Image side: SIDE rows (steps) of SIDE pixels (features). */
export const SIDE = 28;
const PIXELS = SIDE * SIDE;
export const DIGIT_CLASSES = 10;

/** Digit images as the bundle carries them (written by data-files.ts at build time). */
export interface PackedDigits {
  /** Grey levels quantised to 16 (4 bits), two pixels per byte, 784 pixels per image, base64. */
  train: string;
  /** One character '0'-'9' per training image. */
  trainLabels: string;
  test: string;
  testLabels: string;
}

export interface DigitImages {
  /** [N * 784] grey levels in [0, 1], row by row. */
  pixels: Float32Array;
  labels: Uint8Array;
}

/** The bundle's 4-bit pixels (two per byte, base64) and '0'-'9' labels back to images. */
export function unpackDigits(pixels: string, labels: string): DigitImages {
  const bin = atob(pixels);
  const N = labels.length;
  if (bin.length * 2 !== N * PIXELS) throw new Error(`digits data: ${bin.length * 2} pixels for ${N} labels; rebuild the app.`);
  const out = new Float32Array(N * PIXELS);
  for (let i = 0; i < bin.length; i++) {
    const b = bin.charCodeAt(i);
    out[2 * i] = (b >> 4) / 15;
    out[2 * i + 1] = (b & 15) / 15;
  }
  return { pixels: out, labels: Uint8Array.from(labels, (c) => Number(c)) };
}

/** Images `idx` as a batch: x [B, 28, 28], target [B] class indices. */
export function encodeDigits(set: DigitImages, idx: readonly number[]): Batch {
  const x = new Float32Array(idx.length * PIXELS);
  idx.forEach((j, i) => x.set(set.pixels.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
  return { x, B: idx.length, T: SIDE, D: SIDE, target: Float32Array.from(idx, (j) => set.labels[j]) };
}

/** Softmax of the 10 logits of row b. */
export function digitProbs(pred: Float32Array, b = 0): number[] {
  const z = Array.from(pred.subarray(b * DIGIT_CLASSES, (b + 1) * DIGIT_CLASSES));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

export interface DigitsTask extends Task {
  readonly test: DigitImages;
}

export function digitsTask(packed: PackedDigits): DigitsTask {
  const train = unpackDigits(packed.train, packed.trainLabels);
  const test = unpackDigits(packed.test, packed.testLabels);
  const nTest = test.labels.length;
  const validation = encodeDigits(test, Array.from({ length: nTest }, (_, i) => i));
  // Examples to look inside: the test images (digit-major in the bundle) in an order that cycles through the digits.
  const perClass = nTest / DIGIT_CLASSES;
  const order = Array.from({ length: nTest }, (_, i) => (i % DIGIT_CLASSES) * perClass + Math.floor(i / DIGIT_CLASSES));
  return {
    id: 'digits',
    title: 'Handwritten digits',
    blurb: `Reads a 28 × 28 digit row by row (28 steps of 28 pixels) and says which digit it is. ${train.labels.length} training images, ${nTest} held-out test images (mnist).`,
    inputSize: SIDE,
    outputSize: DIGIT_CLASSES,
    head: 'last',
    loss: 'classes',
    metric: { name: 'test accuracy', higherIsBetter: true, format: pct },
    trainMetric: { name: 'accuracy', scale: 1 },
    trainSize: train.labels.length,
    validation,
    test,
    trainBatch(rng: Rng, B: number) {
      return encodeDigits(
        train,
        Array.from({ length: B }, () => rng.int(train.labels.length)),
      );
    },
    score(pred, batch) {
      let sum = 0;
      for (let b = 0; b < batch.B; b++) if (data.argmax(pred.subarray(b * DIGIT_CLASSES, (b + 1) * DIGIT_CLASSES)) === batch.target[b]) sum++;
      return { sum, count: batch.B };
    },
    exampleCount: nTest,
    example(i) {
      const j = order[((i % nTest) + nTest) % nTest];
      return {
        batch: encodeDigits(test, [j]),
        stepLabels: Array.from({ length: SIDE }, (_, r) => String(r + 1)),
        describe: (pred) => {
          const p = digitProbs(pred);
          const k = data.argmax(p);
          return `Test image #${j} is a ${test.labels[j]}; the model says ${k} (P = ${p[k].toFixed(2)}).`;
        },
      };
    },
  };
}
