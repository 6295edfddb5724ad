/**
 * What fit / predict / evaluate accept, and the checks that turn bad data into typed errors
 * before anything reaches a backend.
 *
 * An input is nested number arrays (`[[[0.1], [0.2]], ...]`) or `{ data, shape }` with a
 * row-major Float32Array (or Float64Array). A sequence input may carry a `mask` ([N, T], 1 for
 * a real step, 0 for padding) as `data.padSequences` returns it; the first layer then skips
 * the padded steps exactly as if a Masking layer had found them.
 */
import { InputError, ShapeError } from '@recurrent/core';
import { checkFiniteValues, checkShapeOf, readNested } from './internal/nested.js';
import { sizeOf } from './internal/shape.js';

/** A number or an arbitrarily nested array of numbers. */
export type NestedArray = number | readonly NestedArray[];

/** Values on the host: row-major data and its shape (batch first). */
export interface HostTensor {
  data: Float32Array | Float64Array;
  shape: number[];
  /** [N, T] for sequence data: 1 = a real step, 0 = padding. */
  mask?: Uint8Array | readonly number[];
}

/** Anything fit / predict / evaluate accept as x or y. */
export type InputData = NestedArray | HostTensor;

export const isHostTensor = (x: unknown): x is HostTensor =>
  typeof x === 'object' &&
  x !== null &&
  !Array.isArray(x) &&
  (((x as HostTensor).data as unknown) instanceof Float32Array || ((x as HostTensor).data as unknown) instanceof Float64Array) &&
  Array.isArray((x as HostTensor).shape);

/**
 * Validates and normalises an input. Nested arrays become a Float64Array (so a float64 backend
 * sees the values exactly); `{ data, shape }` is validated and used without copying.
 */
export function toHost(x: InputData, where: string): HostTensor {
  if (isHostTensor(x)) {
    const { shape, data } = x;
    checkShapeOf(shape, data.length, where);
    checkFiniteValues(data, where, shape);
    const mask = x.mask === undefined ? undefined : checkMask(x.mask, shape, where);
    return mask ? { data, shape: [...shape], mask } : { data, shape: [...shape] };
  }
  if (typeof x === 'number') throw new InputError(`${where}: got a single number; wanted an array of samples (batch first).`);
  if (!Array.isArray(x))
    throw new InputError(
      `${where}: got ${x === null ? 'null' : typeof x}; wanted nested number arrays or { data: Float32Array, shape: number[] }.`,
    );
  return readNested(x, where, Float64Array);
}

function checkMask(mask: Uint8Array | readonly number[], shape: readonly number[], where: string): Uint8Array {
  if (shape.length < 2)
    throw new ShapeError(`${where} (mask)`, shape, '[samples, steps, ...] data: a mask marks padded steps of sequences');
  const n = shape[0] * shape[1];
  if (mask.length !== n)
    throw new ShapeError(`${where} (mask)`, [mask.length], `${n} values ([samples, steps] = [${shape[0]}, ${shape[1]}])`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = mask[i];
    if (v !== 0 && v !== 1) throw new InputError(`${where}: mask value ${v} at flat position ${i} is not 0 or 1.`);
    out[i] = v;
  }
  return out;
}

/** The rows (first axis) of `x` at `rows`, with their mask rows. */
export function takeRows(x: HostTensor, rows: ArrayLike<number>): HostTensor {
  const n = x.shape[0];
  const row = n === 0 ? 0 : x.data.length / n;
  const Ctor = x.data instanceof Float64Array ? Float64Array : Float32Array;
  const data = new Ctor(rows.length * row);
  for (let j = 0; j < rows.length; j++) data.set(x.data.subarray(rows[j] * row, (rows[j] + 1) * row), j * row);
  const out: HostTensor = { data, shape: [rows.length, ...x.shape.slice(1)] };
  if (x.mask) {
    const T = x.shape[1];
    const m = new Uint8Array(rows.length * T);
    for (let j = 0; j < rows.length; j++) for (let t = 0; t < T; t++) m[j * T + t] = x.mask[rows[j] * T + t];
    out.mask = m;
  }
  return out;
}

/** Rows [from, to) of x without copying the data. */
export function sliceRows(x: HostTensor, from: number, to: number): HostTensor {
  const n = x.shape[0];
  const row = n === 0 ? 0 : x.data.length / n;
  const out: HostTensor = { data: x.data.subarray(from * row, to * row), shape: [to - from, ...x.shape.slice(1)] };
  if (x.mask) {
    const T = x.shape[1];
    out.mask = Uint8Array.from((x.mask as Uint8Array).subarray(from * T, to * T));
  }
  return out;
}

/** Nested arrays from row-major data. */
export function toNested(data: ArrayLike<number>, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return data[0];
  const build = (offset: number, depth: number): NestedArray[] => {
    const n = shape[depth];
    const stride = sizeOf(shape.slice(depth + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(depth === shape.length - 1 ? data[offset + i] : build(offset + i * stride, depth + 1));
    return out;
  };
  return build(0, 0);
}
