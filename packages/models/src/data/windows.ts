/**
 * Sliding windows over a time series: each sample is `window` consecutive steps (all features),
 * its target the next `horizon` values of the target columns.
 *
 * For a series s of T steps, window w, horizon h, stride k, sample i starts at t = i*k and has
 *   x[i] = s[t .. t+w-1]            (shape [w, F])
 *   y[i] = s[t+w .. t+w+h-1][cols]  (flattened to h * cols.length values, step-major)
 * and there are floor((T - w - h) / k) + 1 samples.
 */
import { ConfigError, InputError, ShapeError } from '@recurrent/core';
import { type ArrayData, checkFinite, type NestedNumbers, toArrayData } from './array-data.js';

export interface WindowOptions {
  /** Steps in each input window. */
  window: number;
  /** Steps ahead to predict (default 1): targets are the `horizon` steps after the window. */
  horizon?: number;
  /** Steps between the starts of consecutive windows (default 1). */
  stride?: number;
  /** Feature columns that make the targets (default: every column). */
  targets?: readonly number[];
}

export interface Windows {
  /** `[N, window, F]`. */
  x: ArrayData;
  /** `[N, horizon * targets.length]`: target step h, column j at `h * targets.length + j`. */
  y: ArrayData;
  /** The series step at which each window starts; window i's first target is at `starts[i] + window`. */
  starts: number[];
}

const posInt = (v: number, name: string): number => {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(`slidingWindows: ${name} must be a positive integer, got ${v}.`);
  return v;
};

/**
 * Windows over `series`: a list of numbers (one feature), a list of rows `[T][F]`, or
 * `{ data, shape: [T] | [T, F] }`.
 */
export function slidingWindows(series: readonly number[] | Float32Array | NestedNumbers | ArrayData, opts: WindowOptions): Windows {
  const where = 'slidingWindows';
  const window = posInt(opts.window, 'window');
  const horizon = posInt(opts.horizon ?? 1, 'horizon');
  const stride = posInt(opts.stride ?? 1, 'stride');
  let s: ArrayData;
  if (series instanceof Float32Array) {
    checkFinite(series, where);
    s = { data: series, shape: [series.length] };
  } else s = toArrayData(series as NestedNumbers | ArrayData, where);
  if (s.shape.length !== 1 && s.shape.length !== 2) throw new ShapeError(where, s.shape, '[T] or [T, F] (steps, features)');
  const T = s.shape[0];
  const F = s.shape.length === 2 ? s.shape[1] : 1;
  const cols = opts.targets ?? Array.from({ length: F }, (_, j) => j);
  if (cols.length === 0) throw new ConfigError(`${where}: targets must name at least one column.`);
  for (const c of cols)
    if (!Number.isInteger(c) || c < 0 || c >= F) throw new ConfigError(`${where}: target column ${c} is not in [0, ${F}) (the series has ${F} features).`);
  if (T < window + horizon)
    throw new InputError(`${where}: a series of ${T} steps is too short for window ${window} + horizon ${horizon}; use a shorter window or more data.`);
  const n = Math.floor((T - window - horizon) / stride) + 1;
  const k = cols.length;
  const x = new Float32Array(n * window * F);
  const y = new Float32Array(n * horizon * k);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * stride;
    starts.push(t);
    x.set(s.data.subarray(t * F, (t + window) * F), i * window * F);
    for (let h = 0; h < horizon; h++) for (let j = 0; j < k; j++) y[(i * horizon + h) * k + j] = s.data[(t + window + h) * F + cols[j]];
  }
  return { x: { data: x, shape: [n, window, F] }, y: { data: y, shape: [n, horizon * k] }, starts };
}
