/**
 * Browser handlers: IndexedDB (save and load; one transaction, so a save is all or nothing),
 * downloads (save only: model.json and the binaries as downloaded files) and http(s) URLs
 * (load only: model.json, then the binaries named in it, relative to its URL).
 */
import { ModelFormatError } from '../errors.js';
import { parseModelJson } from './format.js';
import type { IOHandler, ModelArtifacts } from './handler.js';

const DB_NAME = 'recurrent-models';
const STORE = 'models';

function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'name' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

interface Record_ {
  name: string;
  modelJson: unknown;
  weights: ArrayBuffer;
  optimizer?: ArrayBuffer;
}

const buffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

/** Saves to / loads from IndexedDB under `name` (`model.save('indexeddb://name')`). */
export function browserIndexedDB(name: string, factory?: IDBFactory): IOHandler {
  const description = `indexeddb://${name}`;
  const idb = (): IDBFactory => {
    const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!f) throw new ModelFormatError(description, 'IndexedDB is not available here (it is a browser API); in Node, save to a directory path.');
    return f;
  };
  return {
    description,
    async save(a) {
      const db = await openDb(idb());
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(STORE, 'readwrite');
          const rec: Record_ = { name, modelJson: a.modelJson, weights: buffer(a.weights), optimizer: a.optimizer ? buffer(a.optimizer) : undefined };
          tx.objectStore(STORE).put(rec);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
        });
      } finally {
        db.close();
      }
    },
    async load() {
      const db = await openDb(idb());
      try {
        const rec = await new Promise<Record_ | undefined>((resolve, reject) => {
          const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(name);
          req.onsuccess = () => resolve(req.result as Record_ | undefined);
          req.onerror = () => reject(req.error);
        });
        if (!rec) throw new ModelFormatError(description, `no model named '${name}' in IndexedDB.`);
        return {
          modelJson: parseModelJson(description, rec.modelJson),
          weights: new Uint8Array(rec.weights),
          optimizer: rec.optimizer ? new Uint8Array(rec.optimizer) : undefined,
        };
      } finally {
        db.close();
      }
    },
  };
}

/** Saves by downloading `<name>.json`, `<name>.weights.bin` (and `<name>.optimizer.bin`). */
export function browserDownloads(name = 'model'): IOHandler {
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

/** Loads a model.json URL and the binaries it names (resolved against its URL). */
export function http(url: string, options: { fetch?: typeof fetch; init?: RequestInit } = {}): IOHandler {
  const description = url;
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
    async load(): Promise<ModelArtifacts> {
      const res = await get(url, 'model.json');
      let raw: unknown;
      try {
        raw = JSON.parse(await res.text());
      } catch (err) {
        throw new ModelFormatError(description, `model.json is not valid JSON (${(err as Error).message}).`);
      }
      const modelJson = parseModelJson(description, raw);
      const bin = async (path: string, what: string) => new Uint8Array(await (await get(new URL(path, url).href, what)).arrayBuffer());
      const weights = await bin(modelJson.weights.path, 'weights');
      const opt = modelJson.training?.optimizer;
      return { modelJson, weights, optimizer: opt ? await bin(opt.path, 'optimizer state') : undefined };
    },
  };
}
