import { CELL_GATES, compare, type Fixture, type TensorData, testRandom } from '@recurrent/core/testing';
import { findReferenceFixture, loadFixtureFile, REFERENCE_FIXTURE_FILES } from '@recurrent/core/testing/node';
import { expect } from 'vitest';
import { type HostTensor, type LayersModel, type ModelData, optimizers } from '../src/index.js';

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

/**
 * Gradient check of a whole model: the gradients it computes (read off one SGD step with
 * learning rate 1: g = w_before - w_after) against float64 central differences of the training
 * loss (same dropout masks: the training Rng is rewound before each evaluation). `make` builds
 * the model on core's float64 reference backend; `everyWeightMoves` also asks that no weight's
 * gradient is all zero (a path the gradient must reach, e.g. an encoder's state).
 */
export async function checkGradients(
  make: () => LayersModel,
  loss: unknown,
  x: ModelData,
  y: ModelData,
  seed = 5,
  everyWeightMoves = false,
): Promise<void> {
  const compiled = (lr: number) => {
    const m = make();
    m.compile({ loss: loss as never, optimizer: optimizers.sgd({ learningRate: lr }) });
    return m;
  };
  const gm = compiled(1);
  const fm = compiled(0);
  const shapes = (await gm.getWeights()).map((w) => w.shape);
  let s = seed;
  const w0 = shapes.map((shape) => hostTensor(randomValues(s++, shape.reduce((a, b) => a * b, 1), 0.6), shape));
  gm.setWeights(w0);
  const rng0 = gm.trainingState();
  await gm.trainOnBatch(x, y);
  const w1 = await gm.getWeights();
  const eps = 1e-6;
  const lossAt = async (ws: HostTensor[]) => {
    fm.setWeights(ws);
    fm.restoreTraining(rng0, undefined);
    return (await fm.trainOnBatch(x, y)).loss;
  };
  for (let k = 0; k < w0.length; k++) {
    const analytic = Array.from(w0[k].data, (v, j) => v - w1[k].data[j]);
    const numeric: number[] = [];
    for (let j = 0; j < w0[k].data.length; j++) {
      const v = w0[k].data[j];
      w0[k].data[j] = v + eps;
      const up = await lossAt(w0);
      w0[k].data[j] = v - eps;
      const down = await lossAt(w0);
      w0[k].data[j] = v;
      numeric.push((up - down) / (2 * eps));
    }
    expectClose(analytic, numeric, 1e-7, 1e-6, `d loss / d ${w1[k].name}`);
    if (everyWeightMoves) expect(analytic.some((v) => v !== 0), `${w1[k].name} gets a gradient`).toBe(true);
  }
  gm.dispose();
  fm.dispose();
}
