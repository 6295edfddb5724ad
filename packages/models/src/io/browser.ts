/**
 * Browser handlers: IndexedDB (save and load; one transaction, so a save is all or nothing),
 * downloads (save only: model.json and the binaries as downloaded files) and http(s) URLs
 * (load only: model.json, then the binaries named in it, relative to its URL).
 *
 * IndexedDB layout: database 'recurrent-models' (version 1), object store 'models', one record
 * per model keyed by its name: { name, modelJson, weights: ArrayBuffer, optimizer?: ArrayBuffer }.
 */
import { ConfigError, quote } from '@recurrent/core';
import { ModelFormatError } from '../errors.js';
import { checkJsonSize, type LoadLimits, parseModelJson, parseModelJsonBytes } from './format.js';
import type { IOHandler, ModelArtifacts } from './handler.js';

const DB_NAME = 'recurrent-models';
const STORE = 'models';

const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

function openDb(factory: IDBFactory, description: string): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'name' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('another tab holds an older version of the database open'));
  }).catch((err) => {
    throw new ModelFormatError(description, `cannot open the IndexedDB database '${DB_NAME}' (${errorText(err)}).`);
  });
}

/** Runs one request in its own transaction; resolves with the request's result once the transaction commits. */
function run<T>(db: IDBDatabase, mode: IDBTransactionMode, request: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = request(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
  });
}

interface Record_ {
  name: string;
  modelJson: unknown;
  weights: ArrayBuffer;
  optimizer?: ArrayBuffer;
}

const buffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

/** A stored binary as bytes; anything else (a record edited or written by other code) is a typed error. */
function storedBytes(description: string, field: string, v: unknown): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const got = v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
  throw new ModelFormatError(description, `the stored record is damaged: ${field} is ${got}, wanted an ArrayBuffer. Save the model again.`);
}

/** Names that are one plain file name: no directory separators, not hidden, not empty. */
function checkFileName(handler: string, name: string): void {
  if (typeof name !== 'string' || !name || /[\\/]/.test(name) || name.startsWith('.'))
    throw new ConfigError(`${handler}${quote(name)}: the name must be a plain file name such as 'model' (no '/' or '\\', not starting with '.'), got ${quote(name)}.`);
}

/**
 * The part of the browser's `IDBFactory` (`globalThis.indexedDB`) these handlers use: declared
 * here so the published types need no DOM library.
 */
export interface IndexedDBFactory {
  open(name: string, version?: number): unknown;
}

/** Saves to / loads from IndexedDB under `name` (`model.save('indexeddb://name')`). */
export function browserIndexedDB(name: string, factory?: IndexedDBFactory): IOHandler {
  if (typeof name !== 'string' || !name) throw new ConfigError(`indexeddb://: the model name is empty; use 'indexeddb://my-model'.`);
  const description = `indexeddb://${name}`;
  const idb = (): IDBFactory => {
    const f = (factory ?? (globalThis as { indexedDB?: IndexedDBFactory }).indexedDB) as IDBFactory | undefined;
    if (!f) throw new ModelFormatError(description, 'IndexedDB is not available here (it is a browser API); in Node, save to a directory path.');
    return f;
  };
  return {
    description,
    async save(a) {
      const db = await openDb(idb(), description);
      try {
        const rec: Record_ = { name, modelJson: a.modelJson, weights: buffer(a.weights) };
        if (a.optimizer) rec.optimizer = buffer(a.optimizer);
        await run(db, 'readwrite', (s) => s.put(rec));
      } catch (err) {
        throw new ModelFormatError(description, `IndexedDB did not save the model (${errorText(err)}); what was stored under this name is unchanged.`);
      } finally {
        db.close();
      }
    },
    async load(limits?: LoadLimits) {
      const db = await openDb(idb(), description);
      let rec: unknown;
      try {
        rec = await run<unknown>(db, 'readonly', (s) => s.get(name));
      } catch (err) {
        throw new ModelFormatError(description, `reading IndexedDB failed (${errorText(err)}).`);
      } finally {
        db.close();
      }
      if (rec === undefined) throw new ModelFormatError(description, `no model named '${name}' in IndexedDB.`);
      if (typeof rec !== 'object' || rec === null) throw new ModelFormatError(description, 'the stored record is damaged: it is not an object. Save the model again.');
      const r = rec as Partial<Record_>;
      return {
        modelJson: parseModelJson(description, r.modelJson),
        weights: storedBytes(description, 'weights', r.weights),
        optimizer: r.optimizer === undefined || limits?.includeOptimizer === false ? undefined : storedBytes(description, 'optimizer', r.optimizer),
      };
    },
  };
}

/** Saves by downloading `<name>.json`, `<name>.weights.bin` (and `<name>.optimizer.bin`). */
export function browserDownloads(name = 'model'): IOHandler {
  checkFileName('downloads://', name);
  const description = `downloads://${name}`;
  return {
    description,
    async save(a) {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc) throw new ModelFormatError(description, 'downloads need a browser page (document); in Node, save to a directory path.');
      const json = structuredClone(a.modelJson);
      json.weights.path = `${name}.weights.bin`;
      const files: [string, BlobPart, string][] = [];
      if (json.training?.optimizer && a.optimizer) {
        json.training.optimizer.path = `${name}.optimizer.bin`;
        files.push([json.training.optimizer.path, buffer(a.optimizer), 'application/octet-stream']);
      }
      files.unshift([json.weights.path, buffer(a.weights), 'application/octet-stream']);
      files.unshift([`${name}.json`, JSON.stringify(json), 'application/json']);
      for (const [file, data, type] of files) {
        const url = URL.createObjectURL(new Blob([data], { type }));
        const link = doc.createElement('a');
        link.href = url;
        link.download = file;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
    },
  };
}

/**
 * Loads a model.json URL and the binaries it names (resolved against its URL). In a browser
 * the URL may be relative to the page ('/models/names/model.json').
 */
export function http(url: string, options: { fetch?: typeof fetch; init?: RequestInit } = {}): IOHandler {
  const description = url;
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const resolve = (path: string, base: string | undefined, what: string): string => {
    try {
      return new URL(path, base).href;
    } catch {
      const where = base === undefined ? ' (with no page to resolve a relative URL against, give an absolute http(s) URL)' : ` relative to ${base}`;
      throw new ModelFormatError(description, `the ${what} URL ${quote(path)} is not a valid URL${where}.`);
    }
  };
  const get = async (u: string, what: string): Promise<Response> => {
    const f = options.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await f(u, options.init);
    } catch (err) {
      throw new ModelFormatError(description, `fetching the ${what} at ${u} failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw new ModelFormatError(description, `fetching the ${what} at ${u} failed: HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  return {
    description,
    async load(limits?: LoadLimits): Promise<ModelArtifacts> {
      const jsonUrl = resolve(url, page, 'model.json');
      const res = await get(jsonUrl, 'model.json');
      const declared = Number(res.headers?.get?.('content-length'));
      if (Number.isFinite(declared)) checkJsonSize(description, 'model.json', declared, limits);
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new ModelFormatError(description, `reading the model.json at ${jsonUrl} failed: ${(err as Error).message}`);
      }
      const modelJson = parseModelJsonBytes(description, 'model.json', text, text.length, limits);
      const bin = async (path: string, what: string): Promise<Uint8Array> => {
        const u = resolve(path, jsonUrl, what);
        const body = await get(u, what);
        try {
          return new Uint8Array(await body.arrayBuffer());
        } catch (err) {
          throw new ModelFormatError(description, `reading the ${what} at ${u} failed: ${(err as Error).message}`);
        }
      };
      const weights = await bin(modelJson.weights.path, 'weights');
      const opt = modelJson.training?.optimizer;
      return { modelJson, weights, optimizer: opt && limits?.includeOptimizer !== false ? await bin(opt.path, 'optimizer state') : undefined };
    },
  };
}
