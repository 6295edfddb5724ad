/** Node-side helpers: tfjs-layers model directories written and read as the converter and tfjs lay them out. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, tfjsArtifactsOf } from './tfjs-shared.js';

export * from './tfjs-shared.js';

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `recurrent-${prefix}-`));

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



export const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8'));

