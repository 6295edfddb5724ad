/**
 * Crash safety of saving to a path. A process can die between any two file operations, or in
 * the middle of a write; then it restarts and saves again, and may die again. The handler's file
 * operations go through a seam (FileOps), so these tests kill a save at operation N for every N,
 * for two and three interrupted saves in a row (with and without the optimizer file), and assert
 * that loadModel then returns one of the saved versions bit for bit: never one older than the
 * last save that completed, never a mix, never an error.
 *
 * The exhaustive runs use an in-memory file system (thousands of sequences); a smaller run uses
 * the real disk through node:fs. Directories written by the save code before generations
 * (test/fixtures/legacy-save) must still load, and survive being saved over.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/io/crc32.js';
import { type FileOps, nodeFileOps } from '../src/io/file-ops.js';
import type { ModelArtifacts } from '../src/io/handler.js';
import { fileSystem } from '../src/io/node-fs.js';
import { layers, loadModel, ModelFormatError, sequential } from '../src/index.js';
import { modelToArtifacts } from '../src/model/serialize.js';
import { hostTensor, randomValues } from './helpers.js';

const FIXTURES = join(__dirname, 'fixtures', 'legacy-save');
const engine = createEngine(createCpuBackend());

/** A file system in a Map (POSIX paths), with the operations of FileOps. */
function memoryFs(files = new Map<string, Uint8Array>()): FileOps & { files: Map<string, Uint8Array> } {
  const enc = new TextEncoder();
  return {
    files,
    mkdir: async () => {},
    list: async (dir) => [...files.keys()].filter((f) => posix.dirname(f) === dir).map((f) => posix.basename(f)),
    size: async (file) => files.get(file)?.byteLength,
    read: async (file) => files.get(file)?.slice(),
    writeSynced: async (file, data) => {
      files.set(file, typeof data === 'string' ? enc.encode(data) : data.slice());
    },
    rename: async (from, to) => {
      const f = files.get(from);
      if (!f) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
      files.delete(from);
      files.set(to, f);
    },
    remove: async (file) => {
      files.delete(file);
    },
    syncDir: async () => {},
    join: posix.join,
    dirname: posix.dirname,
    basename: (f) => posix.basename(f),
  };
}

class Killed extends Error {}

/**
 * `ops` that die at operation `at` (0-based; Infinity: never): that operation and every later one
 * throws. A write that dies leaves the first half of its bytes behind, as a killed process can.
 * `count` is the number of operations attempted.
 */
function dying(ops: FileOps, at: number): FileOps & { count: () => number } {
  let n = 0;
  const step = () => {
    if (n++ >= at) throw new Killed(`killed at operation ${at}`);
  };
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      step();
      return f(...a);
    };
  return {
    ...ops,
    count: () => n,
    mkdir: wrap(ops.mkdir),
    list: wrap(ops.list),
    size: wrap(ops.size),
    read: wrap(ops.read),
    rename: wrap(ops.rename),
    remove: wrap(ops.remove),
    syncDir: wrap(ops.syncDir),
    writeSynced: async (file, data) => {
      if (n++ >= at) {
        if (n - 1 === at) {
          const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
          await ops.writeSynced(file, bytes.subarray(0, bytes.byteLength >> 1));
        }
        throw new Killed(`killed while writing ${file}`);
      }
      return ops.writeSynced(file, data);
    },
  };
}

const x = hostTensor(randomValues(5, 2 * 3 * 3), [2, 3, 3]);
const y = hostTensor([1, 0], [2, 1]);

interface Version {
  id: string;
  withOptimizer: ModelArtifacts;
  withoutOptimizer: ModelArtifacts;
}

/** Distinct trained models (weights, optimizer moments and step all differ), as artifacts. */
async function versions(n: number): Promise<Version[]> {
  const out: Version[] = [];
  for (let i = 0; i < n; i++) {
    const m = sequential({ backend: engine, seed: 10 + i }, [layers.lstm({ units: 3, inputShape: [null, 3] }), layers.dense({ units: 1 })]);
    m.compile({ loss: 'mse', optimizer: 'adam' });
    await m.fit(x, y, { epochs: 1 + i, verbose: 0 });
    out.push({ id: `v${i + 1}`, withOptimizer: await modelToArtifacts(m, true), withoutOptimizer: await modelToArtifacts(m, false) });
    m.dispose();
  }
  return out;
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

/**
 * Loads the model at `path` with loadModel and says which saved artifacts it is, bit for bit
 * (weights, optimizer slots, optimizer step, epochs), or throws.
 */
async function loadedVersion(ops: FileOps, path: string, saved: { id: string; a: ModelArtifacts }[]): Promise<string> {
  // Many kill sequences end in the same directory state: load each distinct state once.
  const files = (ops as { files?: Map<string, Uint8Array> }).files;
  const key = files && `${path}|${saved.map((v) => v.id).join(',')}|${[...files].map(([f, b]) => `${f}:${crc32(b)}`).sort().join('|')}`;
  const known = key === undefined ? undefined : loadedStates.get(key);
  if (known !== undefined) return known;
  const id = await loadAndIdentify(ops, path, saved);
  if (key !== undefined) loadedStates.set(key, id);
  return id;
}
const loadedStates = new Map<string, string>();

async function loadAndIdentify(ops: FileOps, path: string, saved: { id: string; a: ModelArtifacts }[]): Promise<string> {
  const h = fileSystem(path, { fileOps: ops });
  const m = await loadModel(h, { backend: engine });
  try {
    const w = await m.getWeights();
    const bytes = new Uint8Array(new Float32Array(w.flatMap((t) => Array.from(t.data))).buffer);
    const optimizer = m.optimizer && m.optimizer.iterations > 0 ? await m.optimizer.getState() : undefined;
    const match = saved.filter(({ a }) => {
      if (!same(bytes, a.weights) || m.epochsTrained !== a.modelJson.training?.epochs) return false;
      const o = a.modelJson.training?.optimizer;
      if (!o) return optimizer === undefined;
      if (!optimizer || optimizer.step !== o.step) return false;
      const slots = new Uint8Array(new Float32Array(o.slots.flatMap((s) => optimizer.slots[s.name].data)).buffer);
      return same(slots, a.optimizer);
    });
    if (match.length === 0) throw new Error(`${path} loaded a model that is none of the saved versions`);
    return match[match.length - 1].id;
  } finally {
    m.dispose();
  }
}

/** Operations of one uninterrupted save over a directory that already holds a model. */
async function opsPerSave(a: ModelArtifacts): Promise<number> {
  const fs = memoryFs();
  await fileSystem('/m', { fileOps: fs }).save(a);
  const counted = dying(fs, Number.POSITIVE_INFINITY);
  await fileSystem('/m', { fileOps: counted }).save(a);
  return counted.count();
}

/**
 * Every sequence: `base` is on disk; then each of `next` is saved and killed at each operation
 * (or not at all), the following save starting from what the previous one left (a restarted
 * process). Checks the loaded version after every sequence. Returns how many were checked.
 */
async function everyKillPoint(
  fresh: () => FileOps,
  path: string,
  base: { id: string; a: ModelArtifacts },
  next: { id: string; a: ModelArtifacts }[],
): Promise<number> {
  const K = Math.max(...(await Promise.all(next.map((v) => opsPerSave(v.a))))) + 1;
  let checked = 0;
  const run = async (fs: FileOps, i: number, complete: string, attempted: string[]): Promise<void> => {
    if (i === next.length) {
      const got = await loadedVersion(fs, path, [base, ...next]);
      // Never older than the last completed save, never a version that was not saved after it.
      const order = [base.id, ...next.map((v) => v.id)];
      const allowed = order.slice(order.indexOf(complete)).filter((id) => id === complete || attempted.includes(id));
      expect(allowed, `kill points ${attempted.join(' ')}`).toContain(got);
      checked++;
      return;
    }
    for (let k = 0; k <= K; k++) {
      const copy = (fs as FileOps & { files?: Map<string, Uint8Array> }).files;
      const state = copy ? memoryFs(new Map(copy)) : fs;
      const ops = dying(state, k === K ? Number.POSITIVE_INFINITY : k);
      let done = false;
      try {
        await fileSystem(path, { fileOps: ops }).save(next[i].a);
        done = true;
      } catch (err) {
        if (!(err instanceof Killed) && !(err instanceof ModelFormatError && /killed/.test(err.message))) throw err;
      }
      await run(state, i + 1, done ? next[i].id : complete, [...attempted, next[i].id]);
      if (!copy) return; // a real directory cannot be forked: one path through it (see the disk test)
    }
  };
  const start = fresh();
  await run(start, 0, base.id, []);
  return checked;
}

let vs: Version[];
beforeAll(async () => {
  vs = await versions(4);
});

const pick = (v: Version, withOptimizer: boolean) => ({ id: v.id, a: withOptimizer ? v.withOptimizer : v.withoutOptimizer });

describe('a save killed at any file operation, two and three times in a row', () => {
  const modes: [string, boolean[]][] = [
    ['with the optimizer file', [true, true, true, true]],
    ['without the optimizer file', [false, false, false, false]],
    ['alternating with and without', [true, false, true, false]],
  ];
  for (const [name, opt] of modes)
    it(`loads the last completed save or a newer one, bit for bit (${name})`, { timeout: 600_000 }, async () => {
      for (const depth of [2, 3]) {
        const fs = memoryFs();
        const base = pick(vs[0], opt[0]);
        await fileSystem('/m', { fileOps: fs }).save(base.a);
        const next = vs.slice(1, 1 + depth).map((v, i) => pick(v, opt[i + 1]));
        const n = await everyKillPoint(() => memoryFs(new Map(fs.files)), '/m', base, next);
        const K = (await opsPerSave(next[0].a)) + 2;
        expect(n).toBeGreaterThanOrEqual((K - 1) ** depth);
      }
    });

  it('the same for a .json path whose directory holds other models', async () => {
    const fs = memoryFs();
    await fileSystem('/d/other.json', { fileOps: fs }).save(vs[3].withOptimizer);
    const base = pick(vs[0], true);
    await fileSystem('/d/net.json', { fileOps: fs }).save(base.a);
    await everyKillPoint(() => memoryFs(new Map(fs.files)), '/d/net.json', base, [pick(vs[1], true), pick(vs[2], false)]);
    // The other model was never touched.
    expect(await loadedVersion(fs, '/d/other.json', [pick(vs[3], true)])).toBe('v4');
  });
});

describe('on the real disk (node:fs)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recurrent-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('two saves killed in a row, at every pair of operations: the last complete save or a newer one loads', { timeout: 600_000 }, async () => {
    const ops = await nodeFileOps();
    const [v1, v2, v3] = vs.map((v) => pick(v, true));
    const K = (await opsPerSave(v2.a)) + 1;
    let n = 0;
    for (let k2 = 0; k2 <= K; k2++)
      for (let k3 = 0; k3 <= K; k3++) {
        const p = join(dir, `k${k2}-${k3}`);
        await fileSystem(p, { fileOps: ops }).save(v1.a);
        let complete = v1.id;
        for (const [v, k] of [
          [v2, k2],
          [v3, k3],
        ] as const) {
          try {
            await fileSystem(p, { fileOps: dying(ops, k === K ? Number.POSITIVE_INFINITY : k) }).save(v.a);
            complete = v.id;
          } catch (err) {
            if (!(err instanceof Killed) && !(err instanceof ModelFormatError)) throw err;
          }
        }
        const got = await loadedVersion(ops, p, [v1, v2, v3]);
        expect([v1.id, v2.id, v3.id].slice([v1.id, v2.id, v3.id].indexOf(complete))).toContain(got);
        n++;
      }
    expect(n).toBe((K + 1) ** 2);
  });

  it('a save that fails while writing (disk full) leaves the previous model and no new files', async () => {
    const ops = await nodeFileOps();
    const p = join(dir, 'full');
    await fileSystem(p, { fileOps: ops }).save(vs[0].withOptimizer);
    const before = (await readdir(p)).sort();
    const full: FileOps = {
      ...ops,
      writeSynced: async (file, data) => {
        if (file.endsWith('.tmp')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return ops.writeSynced(file, data);
      },
    };
    await expect(fileSystem(p, { fileOps: full }).save(vs[1].withOptimizer)).rejects.toThrow(/could not write the model: ENOSPC/);
    expect((await readdir(p)).sort()).toEqual(before);
    expect(await loadedVersion(ops, p, [pick(vs[0], true)])).toBe('v1');
  });
});

describe('directories saved before generations (legacy layout)', () => {
  const expected = async () => JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8')) as { x: number[]; shape: number[]; v1: number[]; v2: number[] };
  const predictAt = async (p: string | ReturnType<typeof fileSystem>) => {
    const e = await expected();
    const m = await loadModel(p, { backend: engine });
    try {
      return Array.from((await m.predict({ data: Float64Array.from(e.x), shape: e.shape })).data);
    } finally {
      m.dispose();
    }
  };

  it('load as they did: a directory, a .json path, and an interrupted save recovered from its journal', async () => {
    const e = await expected();
    expect(await predictAt(join(FIXTURES, 'v1'))).toEqual(e.v1);
    expect(await predictAt(join(FIXTURES, 'v2'))).toEqual(e.v2);
    expect(await predictAt(join(FIXTURES, 'v1-file', 'net.json'))).toEqual(e.v1);
    expect(await predictAt(join(FIXTURES, 'v1-then-v2-after-weights-rename'))).toEqual(e.v2);
  });

  /** The legacy directory's files in a memory file system at /m. */
  const legacyFs = async (name: string) => {
    const files = new Map<string, Uint8Array>();
    for (const f of await readdir(join(FIXTURES, name))) files.set(`/m/${f}`, new Uint8Array(await readFile(join(FIXTURES, name, f))));
    return memoryFs(files);
  };

  it('the recovered legacy save survives two more saves killed at every operation', { timeout: 600_000 }, async () => {
    const fs = await legacyFs('v1-then-v2-after-weights-rename');
    const legacyV2 = await fileSystem('/m', { fileOps: fs }).load!();
    // The journal's model (v2) is the one on disk; then v3 and v4 are saved and killed.
    const base = { id: 'legacy-v2', a: legacyV2 };
    const n = await everyKillPoint(() => memoryFs(new Map(fs.files)), '/m', base, [pick(vs[2], true), pick(vs[3], false)]);
    expect(n).toBeGreaterThan(100);
  });

  it('a completed save over a legacy directory removes the legacy files', async () => {
    const fs = await legacyFs('v1-then-v2-after-weights-rename');
    await fileSystem('/m', { fileOps: fs }).save(vs[2].withOptimizer);
    expect([...fs.files.keys()].sort()).toEqual(['/m/model.json', '/m/optimizer.1.bin', '/m/weights.1.bin']);
    expect(await loadedVersion(fs, '/m', [pick(vs[2], true)])).toBe('v3');
  });
});
