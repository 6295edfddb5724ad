/**
 * The one data form the helpers exchange: a flat float32 buffer and its shape (row-major), the
 * same `{ data, shape }` a model's fit/predict accept. Plus conversions from nested arrays and a
 * row gather, with the checks every helper needs (ragged arrays, NaN/Infinity).
 */
import { InputError, ShapeError } from '@recurrent/core';
import { checkFiniteValues, checkShapeOf, readNested } from '../internal/nested.js';

export interface ArrayData {
  data: Float32Array;
  shape: number[];
}

/** A number or an arbitrarily nested array of numbers. */
export type NestedNumbers = number | readonly NestedNumbers[];

export function isArrayData(x: unknown): x is ArrayData {
  return typeof x === 'object' && x !== null && (x as ArrayData).data instanceof Float32Array && Array.isArray((x as ArrayData).shape);
}

/** Throws an InputError naming `where` and the flat position of the first NaN or infinity. */
export function checkFinite(values: ArrayLike<number>, where: string): void {
  checkFiniteValues(values, where);
}

/** Validates an ArrayData: a shape of non-negative integers whose product is data.length. */
export function checkArrayData(x: ArrayData, where: string): ArrayData {
  checkShapeOf(x.shape, x.data.length, where);
  return x;
}

/**
 * `{ data, shape }` from nested arrays (any depth; all rows at one depth must have the same
 * length) or from an ArrayData (validated, not copied). NaN and infinities are an InputError.
 */
export function toArrayData(x: ArrayData | NestedNumbers, where: string): ArrayData {
  if (isArrayData(x)) {
    checkArrayData(x, where);
    checkFinite(x.data, where);
    return x;
  }
  return readNested(x, where, Float32Array);
}

/** The rows (first axis) of `x` at `indices`, in that order. */
export function takeRows(x: ArrayData, indices: readonly number[] | Int32Array, where = 'takeRows'): ArrayData {
  if (x.shape.length === 0) throw new ShapeError(where, x.shape, 'a tensor of rank >= 1 (rows on the first axis)');
  const n = x.shape[0];
  const row = n === 0 ? 0 : x.data.length / n;
  const out = new Float32Array(indices.length * row);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new InputError(`${where}: row index ${i} at position ${j} is outside [0, ${n}).`);
    out.set(x.data.subarray(i * row, (i + 1) * row), j * row);
  }
  return { data: out, shape: [indices.length, ...x.shape.slice(1)] };
}
