/**
 * The one data form the helpers exchange: a flat float32 buffer and its shape (row-major), the
 * same `{ data, shape }` a model's fit/predict accept. Plus conversions from nested arrays and a
 * row gather, with the checks every helper needs (ragged arrays, NaN/Infinity).
 */
import { InputError, ShapeError } from '@recurrent/core';

export interface ArrayData {
  data: Float32Array;
  shape: number[];
}

/** A number or an arbitrarily nested array of numbers. */
export type NestedNumbers = number | readonly NestedNumbers[];

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function isArrayData(x: unknown): x is ArrayData {
  return typeof x === 'object' && x !== null && (x as ArrayData).data instanceof Float32Array && Array.isArray((x as ArrayData).shape);
}

/** Throws an InputError naming `where` and the flat position of the first NaN or infinity. */
export function checkFinite(values: ArrayLike<number>, where: string): void {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]))
      throw new InputError(`${where}: value ${values[i]} at flat position ${i} is not a finite number. Remove or fill missing values first.`);
}

/** Validates an ArrayData: a shape of non-negative integers whose product is data.length. */
export function checkArrayData(x: ArrayData, where: string): ArrayData {
  if (!x.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new InputError(`${where}: shape [${x.shape.join(', ')}] must hold non-negative integers.`);
  if (sizeOf(x.shape) !== x.data.length)
    throw new ShapeError(where, x.shape, `a shape with ${x.data.length} elements`, 'data.length must equal the product of shape.');
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
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const data = new Float32Array(sizeOf(shape));
  let k = 0;
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number')
        throw new InputError(`${where}: element ${path || '(root)'} is ${Array.isArray(v) ? 'an array' : typeof v}, wanted a number: the array is ragged.`);
      if (!Number.isFinite(v)) throw new InputError(`${where}: element ${path} is ${v}, not a finite number. Remove or fill missing values first.`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new InputError(
        `${where}: element ${path || '(root)'} has ${Array.isArray(v) ? `length ${v.length}` : `type ${typeof v}`}, wanted length ${shape[depth]} ` +
          `like its first sibling: the array is ragged. Pad sequences to one length with padSequences (which also gives a mask).`,
      );
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(x, 0, '');
  return { data, shape };
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
