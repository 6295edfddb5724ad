/** Node-side helpers: tfjs-layers (union package, cpu backend) writing and reading model directories. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compare } from '@recurrent/core/testing';
import { expect } from 'vitest';

export { tf };

let ready: Promise<boolean> | undefined;
export const tfReady = (): Promise<boolean> => (ready ??= tf.setBackend('cpu'));

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `recurrent-${prefix}-`));

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

/**
 * Saves a tfjs-layers model as the TensorFlow.js converter lays it out: model.json and the weight
 * bytes split into `shards` files `group1-shard<i>of<n>.bin`.
 */
export async function saveTfjsDir(model: tf.LayersModel, dir: string, shards = 2): Promise<tf.io.ModelArtifacts> {
  const a = await tfjsArtifactsOf(model);
  const bytes = new Uint8Array(a.weightData as ArrayBuffer);
  const size = Math.ceil(bytes.byteLength / shards);
  const paths: string[] = [];
  for (let i = 0; i < shards; i++) {
    const p = `group1-shard${i + 1}of${shards}.bin`;
    writeFileSync(join(dir, p), bytes.subarray(i * size, Math.min(bytes.byteLength, (i + 1) * size)));
    paths.push(p);
  }
  // The layout of tfjs's getModelJSONForModelArtifacts (not exported by the union package).
  const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths, weights: a.weightSpecs }] };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return a;
}

/** tfjs-layers' own loader (tf.loadLayersModel through its http handler) reading files from `dir`. */
export function loadTfjsDir(dir: string): Promise<tf.LayersModel> {
  const fetchFunc = async (url: RequestInfo | URL) => {
    const file = join(dir, decodeURIComponent(new URL(String(url)).pathname.replace(/^\/model\//, '')));
    return new Response(readFileSync(file));
  };
  return tf.loadLayersModel(tf.io.http('http://files/model/model.json', { fetchFunc }));
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

export const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8'));

/** A comparison means something only if the reference output is not (nearly) all zeros. */
export function expectInformative(data: ArrayLike<number>, what: string): void {
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
  expect(max, `${what}: the reference output is all (near) zero, so comparing it proves nothing`).toBeGreaterThan(1e-2);
}
