/**
 * The checks on host data that both the model's inputs (`toHost`) and the data helpers
 * (`toArrayData`) make, written once: nested arrays -> a flat row-major buffer and its shape
 * (ragged arrays refused), a shape that matches its buffer, and finite values, each failure an
 * InputError / ShapeError naming where and how to fix it.
 */
import { InputError, ShapeError } from '@recurrent/core';
import { sizeOf } from './shape.js';

const PAD_HINT =
  'the nested array is ragged (samples of different lengths). Pad the sequences to one length first ' +
  '(data.padSequences returns the padded data and a mask the model uses to skip the padding).';

/** Throws unless `shape` holds non-negative integers whose product is `length`. */
export function checkShapeOf(shape: readonly number[], length: number, where: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new InputError(`${where}: shape [${shape.join(', ')}] must hold non-negative integers.`);
  if (sizeOf(shape) !== length)
    throw new ShapeError(where, [...shape], `a shape with ${length} elements (data.length)`, 'The product of shape must equal data.length.');
}

/**
 * Throws an InputError at the first NaN or infinity: its index in `shape` (and sample) when a
 * shape is given, else its flat position.
 */
export function checkFiniteValues(data: ArrayLike<number>, where: string, shape?: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) continue;
    let at = `flat position ${i}`;
    if (shape && shape.length > 0) {
      const idx: number[] = [];
      let r = i;
      for (let k = shape.length - 1; k >= 0; k--) {
        idx.unshift(r % shape[k]);
        r = Math.floor(r / shape[k]);
      }
      at = `[${idx.join(', ')}] (sample ${idx[0]})`;
    }
    throw new InputError(`${where}: value ${v} at ${at} is not a finite number. Remove or fill missing values (NaN) and infinities first.`);
  }
}

/**
 * Nested number arrays (any depth; every row at one depth as long as the first) as a flat
 * row-major buffer of `Ctor` and its shape. The shape is read down the first elements, so the
 * buffer is allocated once at its final size; the walk then checks every row against it.
 */
export function readNested<A extends Float32Array | Float64Array>(
  x: unknown,
  where: string,
  Ctor: new (n: number) => A,
): { data: A; shape: number[] } {
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const data = new Ctor(sizeOf(shape));
  let k = 0;
  const name = (path: number[]) => (path.length ? `element [${path.join(', ')}]` : 'the value');
  const walk = (v: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number')
        throw new InputError(`${where}: ${name(path)} is ${Array.isArray(v) ? `an array of ${v.length}` : typeof v}, wanted a number: ${PAD_HINT}`);
      if (!Number.isFinite(v))
        throw new InputError(
          `${where}: value ${v} at [${path.join(', ')}] (sample ${path[0]}) is not a finite number. ` +
            'Remove or fill missing values (NaN) and infinities first.',
        );
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : `type ${typeof v}`;
      throw new InputError(`${where}: ${name(path)} has ${got}, wanted length ${shape[depth]} like its first sibling: ${PAD_HINT}`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
  };
  walk(x, 0, []);
  return { data, shape };
}
