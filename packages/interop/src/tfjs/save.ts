/**
 * saveTfjsModel: a Sequential or functional model of ours as a tfjs-layers model (`model.json` +
 * `group1-shard1of1.bin`) that `tf.loadLayersModel` of tfjs-layers 4.22 loads and runs with the
 * same predictions. Targets as loadTfjsModel: a directory (Node), 'indexeddb://name',
 * 'localstorage://name' (tfjs's own browser layouts); the artifacts are returned in every case
 * (pass them to `tf.io.fromMemory` or upload them yourself).
 */
import { ConfigError } from '@recurrent/core';
import type { Functional, Sequential } from '@recurrent/models';
import type { TfjsArtifacts } from './artifacts.js';
import { writeIndexedDb, writeLocalStorage } from './browser-stores.js';
import { modelToKeras } from './layers-to-keras.js';
import { writeDirectory } from './node-files.js';

export const SHARD_NAME = 'group1-shard1of1.bin';

export interface SavedTfjsArtifacts extends TfjsArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightData: ArrayBuffer;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
}

export async function tfjsArtifacts(model: Sequential | Functional): Promise<SavedTfjsArtifacts> {
  const { topology, weights } = await modelToKeras(model);
  const total = weights.reduce((n, w) => n + w.data.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const w of weights) {
    all.set(w.data, at);
    at += w.data.length;
  }
  // Float32Array is platform-endian; tfjs shards are little-endian (every platform tfjs runs on).
  return {
    modelTopology: topology,
    weightSpecs: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
    weightData: all.buffer,
    format: 'layers-model',
    generatedBy: '@recurrent/interop',
    convertedBy: null,
  };
}

/**
 * Writes `model` as a tfjs-layers model to `target` (omit it to only get the artifacts).
 *
 *   await saveTfjsModel(model, 'models/for-tfjs');   // then tf.loadLayersModel(... model.json)
 */
export async function saveTfjsModel(model: Sequential | Functional, target?: string): Promise<SavedTfjsArtifacts> {
  const a = await tfjsArtifacts(model);
  if (target === undefined) return a;
  if (typeof target !== 'string' || target === '') throw new ConfigError(`saveTfjsModel: target must be a directory path, 'indexeddb://name' or 'localstorage://name', got ${JSON.stringify(target)}.`);
  if (target.startsWith('indexeddb://')) await writeIndexedDb(target.slice('indexeddb://'.length), a);
  else if (target.startsWith('localstorage://')) writeLocalStorage(target.slice('localstorage://'.length), a);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://'))
    throw new ConfigError(`saveTfjsModel: cannot save to ${target}; save to a directory, 'indexeddb://name' or 'localstorage://name', or upload the returned artifacts.`);
  else {
    const dir = target.startsWith('file://') ? decodeURIComponent(new URL(target).pathname) : target;
    const modelJson = {
      modelTopology: a.modelTopology,
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: null,
      weightsManifest: [{ paths: [SHARD_NAME], weights: a.weightSpecs }],
    };
    await writeDirectory(dir, JSON.stringify(modelJson), [{ path: SHARD_NAME, bytes: new Uint8Array(a.weightData) }]);
  }
  return a;
}
