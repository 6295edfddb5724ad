/**
 * The largest tensor each mode can hold and index exactly, checked before any kernel runs,
 * so a shape beyond it is a ShapeError naming the limit rather than a wrong result.
 *
 * - webasm and the GL modes compute indices in float32, which holds every integer only up to
 *   2^24 (16,777,216): one element more and some index would silently read a neighbour.
 * - GL modes also store a tensor of n elements in a texture of gpu.js's near-square size for
 *   n (utils.closestSquareDimensions); both sides must fit MAX_TEXTURE_SIZE.
 * - cpu mode indexes in float64; the bound is a memory one (2^30 elements, 4 GiB).
 */
import { ShapeError, sizeOf, type Shape } from '@recurrent/core';

const fmtShape = (s: Shape): string => `[${s.join(', ')}]`;
import type { GpujsRunningMode } from './gpujs.js';

export const FLOAT32_EXACT_INTEGERS = 2 ** 24;
const CPU_MAX_ELEMENTS = 2 ** 30;

export interface Limits {
  /** Largest number of elements in one tensor. */
  maxElements: number;
  /** MAX_TEXTURE_SIZE used by the GL modes (null in array modes). */
  maxTextureSize: number | null;
}

/** gpu.js's texture size for n values: [low, ceil(n / low)] near sqrt(n). */
export function textureSize(n: number): [number, number] {
  let high = Math.ceil(Math.sqrt(n));
  let low = Math.floor(Math.sqrt(n));
  while (high * low < n) {
    high--;
    low = Math.ceil(n / high);
  }
  return [low, Math.ceil(n / low)];
}

export function limitsFor(mode: GpujsRunningMode, maxTextureSize: number | null): Limits {
  if (mode === 'cpu') return { maxElements: CPU_MAX_ELEMENTS, maxTextureSize: null };
  if (mode === 'webasm' || maxTextureSize === null) return { maxElements: FLOAT32_EXACT_INTEGERS, maxTextureSize: null };
  return { maxElements: Math.min(FLOAT32_EXACT_INTEGERS, maxTextureSize * maxTextureSize), maxTextureSize };
}

/** Throws a ShapeError naming `where` and the limit if a tensor of `shape` cannot be held. */
export function checkShape(where: string, shape: Shape, limits: Limits, mode: GpujsRunningMode): void {
  const n = sizeOf(shape);
  if (n <= limits.maxElements) {
    if (limits.maxTextureSize === null || n === 0) return;
    const [w, h] = textureSize(n);
    if (w <= limits.maxTextureSize && h <= limits.maxTextureSize) return;
    throw new ShapeError(
      where,
      shape,
      `a shape whose texture fits MAX_TEXTURE_SIZE ${limits.maxTextureSize}`,
      `gpu.js stores its ${n} elements in a ${w}x${h} texture. Split the tensor (a smaller batch or sequence).`,
    );
  }
  const why =
    n > FLOAT32_EXACT_INTEGERS && mode !== 'cpu'
      ? `gpu.js ${mode} computes indices in float32, exact only below 2^24`
      : limits.maxTextureSize !== null
        ? `a ${mode} texture holds at most MAX_TEXTURE_SIZE^2 = ${limits.maxTextureSize}^2 values`
        : `the cpu mode's bound`;
  throw new ShapeError(
    where,
    shape,
    `at most ${limits.maxElements} elements (${why})`,
    `${fmtShape(shape)} has ${n}. Split the tensor (a smaller batch or sequence)${mode === 'cpu' ? '' : ", or use mode 'cpu'"}.`,
  );
}
