/**
 * Per-feature scalers that can be inverted and saved: min-max scaling to a range, and
 * standardisation to zero mean and unit variance (scikit-learn's MinMaxScaler and
 * StandardScaler, population standard deviation).
 *
 * Features are the last axis: a list of numbers is one feature, a list of rows `[N][F]` or
 * `{ data, shape: [..., F] }` has F. Every transform returns the same form it was given.
 * A constant feature (max = min, or standard deviation 0) gets scale 1, as in scikit-learn, so
 * it maps to the range's low end (min-max) or to 0 (standard) and inverts exactly.
 */
import { ConfigError, InputError, quote, ShapeError, StateError } from '@recurrent/core';
import { type ArrayData, checkArrayData, checkFinite, isArrayData } from './array-data.js';

export type ScalerInput = readonly number[] | Float32Array | readonly (readonly number[])[] | ArrayData;

export interface ColumnOptions {
  /**
   * Which fitted features the input's columns are, e.g. `[0]` to invert only a model's
   * prediction of feature 0. Default: all features, in order.
   */
  columns?: readonly number[];
}

export interface MinMaxState {
  kind: 'minMax';
  range: [number, number];
  min: number[];
  max: number[];
}

export interface StandardState {
  kind: 'standard';
  mean: number[];
  std: number[];
}

export type ScalerState = MinMaxState | StandardState;

interface Flat {
  values: ArrayLike<number>;
  features: number;
  rebuild(out: Float64Array): unknown;
}

function flatten(x: ScalerInput, where: string): Flat {
  if (isArrayData(x)) {
    checkArrayData(x, where);
    if (x.shape.length === 0) throw new ShapeError(where, x.shape, 'rank >= 1 (features on the last axis)');
    checkFinite(x.data, where);
    const shape = [...x.shape];
    return { values: x.data, features: shape[shape.length - 1], rebuild: (out) => ({ data: Float32Array.from(out), shape }) };
  }
  if (x instanceof Float32Array) {
    checkFinite(x, where);
    return { values: x, features: 1, rebuild: (out) => Float32Array.from(out) };
  }
  if (!Array.isArray(x)) throw new InputError(`${where}: wanted a list of numbers, a list of rows, or { data: Float32Array, shape }, got ${typeof x}.`);
  if (x.length > 0 && Array.isArray(x[0])) {
    const rows = x as readonly (readonly number[])[];
    const F = rows[0].length;
    const values = new Float64Array(rows.length * F);
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== F)
        throw new InputError(`${where}: row ${i} has ${Array.isArray(r) ? r.length : 'no'} values, wanted ${F} like row 0: every row needs every feature.`);
      values.set(r, i * F);
    });
    checkFinite(values, where);
    return { values, features: F, rebuild: (out) => rows.map((_, i) => Array.from(out.subarray(i * F, (i + 1) * F))) };
  }
  const list = x as readonly number[];
  for (let i = 0; i < list.length; i++)
    if (typeof list[i] !== 'number') throw new InputError(`${where}: element ${i} is ${typeof list[i]}, wanted a number.`);
  checkFinite(list, where);
  return { values: list, features: 1, rebuild: (out) => Array.from(out) };
}

/** An affine map per feature, y = x * scale + bias, fitted by a subclass. */
abstract class AffineScaler {
  #scale: Float64Array | undefined;
  #bias: Float64Array | undefined;
  protected abstract readonly name: string;

  /** Features the scaler was fitted on (0 before fit). */
  get features(): number {
    return this.#scale?.length ?? 0;
  }

  get fitted(): boolean {
    return this.#scale !== undefined;
  }

  protected abstract fitColumns(values: ArrayLike<number>, rows: number, features: number): void;
  abstract toJSON(): ScalerState;

  protected setAffine(scale: Float64Array, bias: Float64Array): void {
    this.#scale = scale;
    this.#bias = bias;
  }

  /** Learns the per-feature statistics of `x` (at least one row). Returns this. */
  fit(x: ScalerInput): this {
    const where = `${this.name}.fit`;
    const f = flatten(x, where);
    const rows = f.features === 0 ? 0 : f.values.length / f.features;
    if (rows < 1 || f.features < 1) throw new InputError(`${where}: needs at least one row with at least one feature, got ${rows} rows of ${f.features}.`);
    this.fitColumns(f.values, rows, f.features);
    return this;
  }

  transform<T extends ScalerInput>(x: T, opts?: ColumnOptions): T;
  transform(x: ScalerInput, opts: ColumnOptions = {}): unknown {
    return this.#apply(x, opts, false);
  }

  inverseTransform<T extends ScalerInput>(x: T, opts?: ColumnOptions): T;
  inverseTransform(x: ScalerInput, opts: ColumnOptions = {}): unknown {
    return this.#apply(x, opts, true);
  }

  fitTransform<T extends ScalerInput>(x: T): T {
    return this.fit(x).transform(x);
  }

  #apply(x: ScalerInput, opts: ColumnOptions, inverse: boolean): unknown {
    const where = `${this.name}.${inverse ? 'inverseTransform' : 'transform'}`;
    if (!this.#scale || !this.#bias) throw new StateError(`${where}: the scaler is not fitted; call fit(data) first (or load a saved state).`);
    const F = this.#scale.length;
    const cols = opts.columns ?? Array.from({ length: F }, (_, j) => j);
    for (const c of cols) if (!Number.isInteger(c) || c < 0 || c >= F) throw new ConfigError(`${where}: column ${c} is not in [0, ${F}).`);
    const f = flatten(x, where);
    if (f.features !== cols.length)
      throw new ShapeError(
        where,
        isArrayData(x) ? x.shape : [f.values.length / Math.max(1, f.features), f.features],
        `[..., ${cols.length}] (features on the last axis)`,
        opts.columns ? '' : `The scaler was fitted on ${F} features; pass { columns } to scale a subset.`,
      );
    const out = new Float64Array(f.values.length);
    const k = cols.length;
    for (let i = 0; i < out.length; i++) {
      const c = cols[i % k];
      out[i] = inverse ? (f.values[i] - this.#bias[c]) / this.#scale[c] : f.values[i] * this.#scale[c] + this.#bias[c];
    }
    return f.rebuild(out);
  }
}

/** Scales each feature to `range` (default [0, 1]) by its min and max seen in fit. */
export class MinMaxScaler extends AffineScaler {
  protected readonly name = 'MinMaxScaler';
  readonly range: [number, number];
  #min: number[] = [];
  #max: number[] = [];

  constructor(opts: { range?: readonly [number, number] } = {}) {
    super();
    const [lo, hi] = opts.range ?? [0, 1];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi))
      throw new ConfigError(`MinMaxScaler: range must be [low, high] with finite low < high, got [${lo}, ${hi}].`);
    this.range = [lo, hi];
  }

  protected fitColumns(v: ArrayLike<number>, rows: number, F: number): void {
    const min = new Array<number>(F).fill(Infinity);
    const max = new Array<number>(F).fill(-Infinity);
    for (let i = 0; i < rows * F; i++) {
      const j = i % F;
      if (v[i] < min[j]) min[j] = v[i];
      if (v[i] > max[j]) max[j] = v[i];
    }
    this.#set(min, max);
  }

  #set(min: number[], max: number[]): void {
    const [lo, hi] = this.range;
    const scale = Float64Array.from(min, (m, j) => (max[j] > m ? (hi - lo) / (max[j] - m) : 1));
    this.setAffine(
      scale,
      Float64Array.from(min, (m, j) => lo - m * scale[j]),
    );
    this.#min = min;
    this.#max = max;
  }

  /** The per-feature minima and maxima seen in fit. */
  get min(): readonly number[] {
    return this.#min;
  }
  get max(): readonly number[] {
    return this.#max;
  }

  toJSON(): MinMaxState {
    if (!this.fitted) throw new StateError('MinMaxScaler.toJSON: the scaler is not fitted; call fit(data) first.');
    return { kind: 'minMax', range: [...this.range], min: [...this.#min], max: [...this.#max] };
  }

  static fromJSON(state: MinMaxState): MinMaxScaler {
    const range = checkVector(state?.range, 'MinMaxScaler.fromJSON: range', 2);
    if (!(range[0] < range[1])) throw new StateError(`MinMaxScaler.fromJSON: range must be [low, high] with low < high, got [${range}].`);
    const s = new MinMaxScaler({ range: [range[0], range[1]] });
    const min = checkVector(state.min, 'MinMaxScaler.fromJSON: min');
    const max = checkVector(state.max, 'MinMaxScaler.fromJSON: max', min.length);
    if (min.some((m, j) => m > max[j])) throw new StateError('MinMaxScaler.fromJSON: min must not exceed max in any feature.');
    s.#set(min, max);
    return s;
  }
}

/** Standardises each feature to zero mean and unit (population) standard deviation. */
export class StandardScaler extends AffineScaler {
  protected readonly name = 'StandardScaler';
  #mean: number[] = [];
  #std: number[] = [];

  protected fitColumns(v: ArrayLike<number>, rows: number, F: number): void {
    const mean = new Array<number>(F).fill(0);
    for (let i = 0; i < rows * F; i++) mean[i % F] += v[i];
    for (let j = 0; j < F; j++) mean[j] /= rows;
    const sq = new Array<number>(F).fill(0);
    for (let i = 0; i < rows * F; i++) sq[i % F] += (v[i] - mean[i % F]) ** 2;
    this.#set(
      mean,
      sq.map((s) => Math.sqrt(s / rows)),
    );
  }

  #set(mean: number[], std: number[]): void {
    const scale = Float64Array.from(std, (s) => (s > 0 ? 1 / s : 1));
    this.setAffine(
      scale,
      Float64Array.from(mean, (m, j) => -m * scale[j]),
    );
    this.#mean = mean;
    this.#std = std;
  }

  get mean(): readonly number[] {
    return this.#mean;
  }
  get std(): readonly number[] {
    return this.#std;
  }

  toJSON(): StandardState {
    if (!this.fitted) throw new StateError('StandardScaler.toJSON: the scaler is not fitted; call fit(data) first.');
    return { kind: 'standard', mean: [...this.#mean], std: [...this.#std] };
  }

  static fromJSON(state: StandardState): StandardScaler {
    const s = new StandardScaler();
    if (typeof state !== 'object' || state === null) throw new StateError(`StandardScaler.fromJSON: wanted the object toJSON() returned, got ${quote(state)}.`);
    const mean = checkVector(state.mean, 'StandardScaler.fromJSON: mean');
    const std = checkVector(state.std, 'StandardScaler.fromJSON: std', mean.length);
    if (std.some((x) => x < 0)) throw new StateError('StandardScaler.fromJSON: std must be non-negative.');
    s.#set(mean, std);
    return s;
  }
}

function checkVector(v: unknown, where: string, length?: number): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new StateError(`${where} must be a non-empty list of finite numbers, got ${quote(v)}.`);
  if (length !== undefined && v.length !== length) throw new StateError(`${where} has ${v.length} values, wanted ${length} (one per feature).`);
  return [...v];
}

/** A scaler from its `toJSON()` state. */
export function scalerFromJSON(state: ScalerState): MinMaxScaler | StandardScaler {
  const kind = (state as { kind?: unknown } | null)?.kind;
  if (kind === 'minMax') return MinMaxScaler.fromJSON(state as MinMaxState);
  if (kind === 'standard') return StandardScaler.fromJSON(state as StandardState);
  throw new StateError(`scalerFromJSON: unknown scaler kind ${quote(kind)}; wanted 'minMax' or 'standard'.`);
}
