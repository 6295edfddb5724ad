/**
 * tfjs-layers' browser stores, read and written in tfjs 4.22's own layout so models move both
 * ways between tfjs-layers and us:
 * - IndexedDB: database 'tensorflowjs' (version 1), object stores 'models_store' (records
 *   `{ modelPath, modelArtifacts, modelArtifactsInfo }`) and 'model_info_store'
 *   (`{ modelPath, modelArtifactsInfo }`), keyed by modelPath.
 * - localStorage: keys `tensorflowjs_models/<name>/{info, model_topology, weight_specs,
 *   weight_data, model_metadata}`; weight_data is base64.
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';
import { parseUntrustedJson } from './safe-json.js';
import { type RawModel, type TfjsArtifacts, fromArtifacts } from './artifacts.js';

const DB = 'tensorflowjs';
const MODELS = 'models_store';
const INFO = 'model_info_store';
const LS_PREFIX = 'tensorflowjs_models';

const lsKeys = (name: string) => {
  const k = (s: string) => `${LS_PREFIX}/${name}/${s}`;
  return { info: k('info'), topology: k('model_topology'), weightSpecs: k('weight_specs'), weightData: k('weight_data'), metadata: k('model_metadata') };
};

function need<T>(v: T | undefined, source: string, what: string): T {
  if (v === undefined || v === null) throw new TfjsFormatError(source, 'source', `${what} is not available here (a browser feature).`);
  return v;
}

/** The info record tfjs keeps beside each model. */
export function artifactsInfo(topologyJson: string, specsJson: string, weightBytes: number) {
  const bytes = (s: string) => new TextEncoder().encode(s).byteLength;
  return { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: bytes(topologyJson), weightSpecsBytes: bytes(specsJson), weightDataBytes: weightBytes };
}

function openDb(source: string, create: boolean): Promise<IDBDatabase | undefined> {
  const idb = need(globalThis.indexedDB, source, 'IndexedDB');
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    let aborted = false;
    req.onupgradeneeded = () => {
      if (!create) {
        aborted = true;
        req.transaction!.abort(); // a database that does not exist yet holds no model: do not create it
        return;
      }
      req.result.createObjectStore(MODELS, { keyPath: 'modelPath' });
      req.result.createObjectStore(INFO, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => (aborted ? resolve(undefined) : reject(new TfjsFormatError(source, 'source', `opening IndexedDB '${DB}' failed: ${req.error?.message}.`)));
  });
}

export async function readIndexedDb(name: string, limits: TfjsLimits): Promise<RawModel> {
  const source = `indexeddb://${name}`;
  const db = await openDb(source, false);
  const none = () => new TfjsFormatError(source, 'source', `IndexedDB has no tfjs model named '${name}' (database '${DB}', store '${MODELS}').`);
  if (!db) throw none();
  try {
    if (!db.objectStoreNames.contains(MODELS)) throw none();
    const record = await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction(MODELS, 'readonly').objectStore(MODELS).get(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new TfjsFormatError(source, 'source', `reading IndexedDB failed: ${req.error?.message}.`));
    });
    if (record === undefined) throw none();
    const a = (record as { modelArtifacts?: TfjsArtifacts }).modelArtifacts;
    if (typeof a !== 'object' || a === null) throw new TfjsFormatError(source, 'json', 'the IndexedDB record has no modelArtifacts.');
    return fromArtifacts(a, source, limits);
  } finally {
    db.close();
  }
}

export async function writeIndexedDb(name: string, a: TfjsArtifacts & { weightData: ArrayBuffer }): Promise<void> {
  const source = `indexeddb://${name}`;
  const db = (await openDb(source, true))!;
  try {
    const info = artifactsInfo(JSON.stringify(a.modelTopology), JSON.stringify(a.weightSpecs), a.weightData.byteLength);
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction([MODELS, INFO], 'readwrite');
      tx.objectStore(INFO).put({ modelPath: name, modelArtifactsInfo: info });
      tx.objectStore(MODELS).put({ modelPath: name, modelArtifacts: a, modelArtifactsInfo: info });
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(new TfjsFormatError(source, 'source', `saving to IndexedDB failed: ${tx.error?.message ?? 'aborted'}.`));
    });
  } finally {
    db.close();
  }
}

export function readLocalStorage(name: string, limits: TfjsLimits): RawModel {
  const source = `localstorage://${name}`;
  const ls = need(globalThis.localStorage, source, 'localStorage');
  const keys = lsKeys(name);
  const text = (key: string, what: string, max = limits.maxJsonBytes) => {
    const v = ls.getItem(key);
    if (v === null) throw new TfjsFormatError(source, 'source', `localStorage has no ${what} for a tfjs model named '${name}' (key '${key}').`);
    if (v.length > max) throw new TfjsFormatError(source, 'too-large', `the ${what} in localStorage has ${v.length} characters, over the limit (${max}).`);
    return v;
  };
  const topology = parseUntrustedJson(text(keys.topology, 'topology'), 'model_topology', source, limits);
  const specs = parseUntrustedJson(text(keys.weightSpecs, 'weight specs'), 'weight_specs', source, limits);
  const b64 = text(keys.weightData, 'weight data', Math.ceil(limits.maxWeightBytes / 3) * 4 + 4);
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new TfjsFormatError(source, 'json', 'the weight data in localStorage is not base64.');
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return fromArtifacts({ modelTopology: topology, weightSpecs: specs, weightData: bytes }, source, limits);
}

export function writeLocalStorage(name: string, a: TfjsArtifacts & { weightData: ArrayBuffer }): void {
  const source = `localstorage://${name}`;
  const ls = need(globalThis.localStorage, source, 'localStorage');
  const keys = lsKeys(name);
  const topology = JSON.stringify(a.modelTopology);
  const specs = JSON.stringify(a.weightSpecs);
  const bytes = new Uint8Array(a.weightData);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  try {
    ls.setItem(keys.info, JSON.stringify(artifactsInfo(topology, specs, bytes.byteLength)));
    ls.setItem(keys.topology, topology);
    ls.setItem(keys.weightSpecs, specs);
    ls.setItem(keys.weightData, btoa(bin));
    ls.setItem(keys.metadata, JSON.stringify({ format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy }));
  } catch (err) {
    for (const k of Object.values(keys)) ls.removeItem(k);
    throw new TfjsFormatError(source, 'source', `saving to localStorage failed (${(err as Error).message}); the quota is usually about 5 MB.`);
  }
}
