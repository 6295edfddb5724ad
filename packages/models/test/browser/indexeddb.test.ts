/**
 * IndexedDB save/load in headless Chromium: round trip with optimizer state, overwriting, a
 * missing name, and records tampered with through the IndexedDB API.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine, StateError } from '@recurrent/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { io, loadModel, ModelFormatError } from '../../src/index.js';
import { expectSameModel, predictions, trainedModel } from './models.js';

/** The database and store the handler documents (README): records keyed by model name. */
const DB = 'recurrent-models';
const STORE = 'models';

interface StoredRecord {
  name: string;
  modelJson: { weights: { path: string; byteLength: number }; training?: { optimizer?: { byteLength: number } } };
  weights: ArrayBuffer;
  optimizer?: ArrayBuffer;
}

/** Runs one request on the store, straight through the IndexedDB API (not the handler). */
async function raw<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}
const getRecord = (name: string) => raw<StoredRecord | undefined>('readonly', (s) => s.get(name));
const putRecord = (rec: unknown) => raw<IDBValidKey>('readwrite', (s) => s.put(rec));

afterEach(() => {
  vi.restoreAllMocks();
});

const load = (name: string) => loadModel(`indexeddb://${name}`, { backend: createCpuBackend() });

describe('IndexedDB', () => {
  it('round trip: weights, predictions, optimizer state and training continue exactly', async () => {
    const m = await trainedModel(1);
    await m.save('indexeddb://round-trip');
    const rec = await getRecord('round-trip');
    expect(rec?.name).toBe('round-trip');
    expect(rec?.weights).toBeInstanceOf(ArrayBuffer);
    expect(rec?.weights.byteLength).toBe(4 * m.countParams());
    expect(rec?.modelJson.weights.byteLength).toBe(4 * m.countParams());
    // Adam: two slots (m, v) per parameter.
    expect(rec?.optimizer?.byteLength).toBe(2 * 4 * m.countParams());
    // Through the handler object too, onto an engine.
    const back = await loadModel(io.browserIndexedDB('round-trip'), { backend: createEngine(createCpuBackend()) });
    expect(back.optimizer?.iterations).toBe(4);
    await expectSameModel(back, m);
  });

  it('saving again under the same name replaces the model (one record, no optimizer left behind)', async () => {
    const a = await trainedModel(2);
    const b = await trainedModel(3);
    await a.save('indexeddb://slot');
    await b.save('indexeddb://slot', { includeOptimizer: false });
    expect(await predictions(a)).not.toEqual(await predictions(b));
    const back = await load('slot');
    expect(await predictions(back)).toEqual(await predictions(b));
    expect(back.optimizer).toBeUndefined();
    const keys = await raw<IDBValidKey[]>('readonly', (s) => s.getAllKeys());
    expect(keys.filter((k) => k === 'slot')).toHaveLength(1);
    expect((await getRecord('slot'))?.optimizer).toBeUndefined();
  });

  it('a save that IndexedDB aborts is a ModelFormatError and leaves the previous model (one transaction)', async () => {
    const a = await trainedModel(10);
    await a.save('indexeddb://aborted');
    const put = IDBObjectStore.prototype.put;
    // The new record is written, then the transaction aborts (as on QuotaExceededError).
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const req = put.apply(this, args);
      this.transaction.abort();
      return req;
    });
    const err = await (await trainedModel(11)).save('indexeddb://aborted').catch((e) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/IndexedDB did not save the model \(.*aborted.*\); what was stored under this name is unchanged/);
    expect(await predictions(await load('aborted'))).toEqual(await predictions(a));
  });

  it('loading a name that was never saved is a ModelFormatError', async () => {
    const err = await load('never-saved').catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err).toBeInstanceOf(StateError);
    expect(err.source).toBe('indexeddb://never-saved');
    expect(err.message).toMatch(/no model named 'never-saved' in IndexedDB/);
  });

  it('a tampered record is a ModelFormatError and leaves no tensors allocated', async () => {
    const m = await trainedModel(4);
    await m.save('indexeddb://good');
    const good = (await getRecord('good'))!;
    const cases: [string, (r: StoredRecord) => unknown, RegExp][] = [
      [
        'one flipped weight byte',
        (r) => {
          const w = new Uint8Array(r.weights);
          w[13] ^= 0x20;
          return r;
        },
        /weights file 'weights\.bin' is corrupted: its CRC-32 is [0-9a-f]{8}, model\.json lists [0-9a-f]{8}/,
      ],
      ['truncated optimizer bytes', (r) => ({ ...r, optimizer: r.optimizer!.slice(0, 40) }), /optimizer file 'optimizer\.bin' is truncated: 40 bytes/],
      ['weights missing', (r) => ({ ...r, weights: undefined }), /the stored record is damaged: weights is undefined, wanted an ArrayBuffer/],
      ['weights stored as a string', (r) => ({ ...r, weights: 'AAAA' }), /the stored record is damaged: weights is string, wanted an ArrayBuffer/],
      ['optimizer stored as an array', (r) => ({ ...r, optimizer: [1, 2] }), /the stored record is damaged: optimizer is Array, wanted an ArrayBuffer/],
      ['model.json replaced', (r) => ({ ...r, modelJson: { modelTopology: {} } }), /format is undefined, wanted 'recurrent-model\/1'/],
      ['model.json missing', (r) => ({ ...r, modelJson: undefined }), /model.json is not a JSON object/],
    ];
    for (const [what, tamper, message] of cases) {
      const name = `tampered-${what}`;
      await putRecord({ ...(tamper(structuredClone(good)) as object), name });
      const engine = createEngine(createCpuBackend());
      const err = await loadModel(`indexeddb://${name}`, { backend: engine }).catch((e) => e);
      expect(err, what).toBeInstanceOf(ModelFormatError);
      expect(err.message, what).toMatch(message);
      expect(engine.memory().tensors, what).toBe(0);
    }
    // The untouched record still loads.
    expect(await predictions(await load('good'))).toEqual(await predictions(m));
  });
});
