/**
 * Helpers for the tfjs-layers comparisons that run in Node and in Chromium alike (no Node
 * imports): tfjs-layers (union package) on its cpu backend, its artifacts and predictions, and
 * the float32 comparison.
 */
import * as tf from '@tensorflow/tfjs';
import { compare } from '@recurrent/core/testing';
import { expect } from 'vitest';

export { tf };

let ready: Promise<boolean> | undefined;
export const tfReady = (): Promise<boolean> => (ready ??= tf.setBackend('cpu'));

/** What tf.io.withSaveHandler hands over when tfjs-layers saves `model`. */
export async function tfjsArtifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

/** tfjs predictions as [data, shape] per output. */
export function tfjsPredict(model: tf.LayersModel, x: { data: Float32Array; shape: number[] }): { data: Float32Array; shape: number[] }[] {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor(x.data, x.shape));
    return (Array.isArray(out) ? out : [out]).map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));
  });
}

/** numpy allclose with the worst element in the failure message. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, atol = 1e-5, rtol = 1e-4): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const c = compare(what, Array.from(got), Array.from(want), atol, rtol);
  expect(c.pass, `${what}: max |diff| ${c.maxAbs}, max rel ${c.maxRel}, worst index ${c.worstIndex} (got ${got[c.worstIndex]}, want ${want[c.worstIndex]})`).toBe(
    true,
  );
}

/** A comparison means something only if the reference output is not (nearly) all zeros. */
export function expectInformative(data: ArrayLike<number>, what: string): void {
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
  expect(max, `${what}: the reference output is all (near) zero, so comparing it proves nothing`).toBeGreaterThan(1e-2);
}
