import { CELL_GATES, compare, type Fixture, type TensorData, testRandom } from '@recurrent/core/testing';
import { findReferenceFixture, loadFixtureFile, REFERENCE_FIXTURE_FILES } from '@recurrent/core/testing/node';
import { expect } from 'vitest';

let fixture: Promise<Fixture> | undefined;
/** The PyTorch reference fixture (outside the repository, in ../shared/fixtures). */
export const referenceFixture = (): Promise<Fixture> => (fixture ??= loadFixtureFile(findReferenceFixture()));
let hardSigmoid: Promise<Fixture> | undefined;
/** The PyTorch reference cells with hard-sigmoid gates (a second file in the same format, beside the first). */
export const hardSigmoidFixture = (): Promise<Fixture> => (hardSigmoid ??= loadFixtureFile(findReferenceFixture(undefined, REFERENCE_FIXTURE_FILES[1])));

/** Asserts numpy-allclose and reports the worst element on failure. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = 'values'): void {
  const c = compare(what, Array.from(got), Array.from(want), atol, rtol);
  expect(c.pass, `${what}: max |diff| ${c.maxAbs}, max rel ${c.maxRel}, worst index ${c.worstIndex} (got ${got[c.worstIndex]}, want ${want[c.worstIndex]})`).toBe(true);
}

/** Per-gate [R, H] matrices side by side: [R, G*H] row-major. */
export function joinColumns(parts: TensorData[]): number[] {
  const [R, H] = parts[0].shape;
  const out: number[] = [];
  for (let r = 0; r < R; r++) for (const p of parts) for (let j = 0; j < H; j++) out.push(p.data[r * H + j]);
  return out;
}

export const joinVectors = (parts: TensorData[]): number[] => parts.flatMap((p) => Array.from(p.data));

/** Gate suffixes of each fixture cell's parameters (core's CELL_GATES). */
export const GATES: Readonly<Record<string, readonly string[]>> = CELL_GATES;

/** Random values in [-s, s) from a fixed stream (test data only). */
export function randomValues(seed: number, n: number, s = 1): number[] {
  const r = testRandom(seed);
  return Array.from({ length: n }, () => r(-s, s));
}

export const hostTensor = (data: number[], shape: number[]) => ({ data: Float64Array.from(data), shape });
