/**
 * Node file system handler. A path ending in `.json` is the model file itself (binaries beside
 * it as `<name>.weights.bin`, `<name>.optimizer.bin`); any other path is a directory holding
 * `model.json`, `weights.bin` and `optimizer.bin`.
 *
 * Saving is atomic with respect to crashes. The new model.json is first written as
 * `model.json.tmp` (a journal), then each binary as `<file>.tmp`, each fsynced; then the
 * binaries are renamed into place and finally the journal is renamed to model.json. Loading
 * uses model.json if its binaries check out (length and CRC-32), else the journal if a save
 * was interrupted after replacing binaries; so a crash at any point leaves either the old model
 * or the new one loadable, never a mix. One writer per directory at a time.
 *
 * Node modules are imported when a handler is used, so this file is safe in a browser bundle.
 */
import { ModelFormatError } from '../errors.js';
import { checkBinary, type ModelJson, parseModelJson } from './format.js';
import type { IOHandler, ModelArtifacts } from './handler.js';

interface Layout {
  dir: string;
  json: string;
  weights: string;
  optimizer: string;
}

async function node() {
  const fail = () =>
    new ModelFormatError(
      'file system',
      "saving to or loading from a path needs Node.js; in a browser use 'indexeddb://name', 'downloads://name' or an http(s) URL.",
    );
  let mods: [typeof import('node:fs/promises'), typeof import('node:path')];
  try {
    mods = await Promise.all([import('node:fs/promises'), import('node:path')]);
  } catch {
    throw fail();
  }
  // Browser bundlers (Vite, webpack 5) resolve node: imports to empty stubs rather than failing.
  const [fs, path] = mods;
  if (typeof fs?.open !== 'function' || typeof path?.join !== 'function') throw fail();
  return { fs, path };
}

async function layoutOf(target: string): Promise<Layout> {
  const { path } = await node();
  if (target.endsWith('.json')) {
    const stem = path.basename(target, '.json');
    return { dir: path.dirname(target), json: path.basename(target), weights: `${stem}.weights.bin`, optimizer: `${stem}.optimizer.bin` };
  }
  return { dir: target, json: 'model.json', weights: 'weights.bin', optimizer: 'optimizer.bin' };
}

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const { fs } = await node();
  const fh = await fs.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function fileSystem(target: string): IOHandler {
  const description = target.endsWith('.json') ? `file ${target}` : `directory ${target}`;
  return {
    description,
    async save(a: ModelArtifacts): Promise<void> {
      const { fs, path } = await node();
      const L = await layoutOf(target);
      const at = (name: string) => path.join(L.dir, name);
      const json: ModelJson = structuredClone(a.modelJson);
      json.weights.path = L.weights;
      if (json.training?.optimizer) json.training.optimizer.path = L.optimizer;
      const bins: [string, Uint8Array][] = [[L.weights, a.weights]];
      if (a.optimizer && json.training?.optimizer) bins.push([L.optimizer, a.optimizer]);
      await fs.mkdir(L.dir, { recursive: true });
      const written: string[] = [];
      try {
        written.push(at(`${L.json}.tmp`));
        await writeSynced(at(`${L.json}.tmp`), JSON.stringify(json, null, 1));
        for (const [name, bytes] of bins) {
          written.push(at(`${name}.tmp`));
          await writeSynced(at(`${name}.tmp`), bytes);
        }
      } catch (err) {
        // Nothing was replaced yet: remove the partial files, the old model stays as it was.
        await Promise.all(written.map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
        throw new ModelFormatError(description, `could not write the model: ${(err as Error).message}`);
      }
      for (const [name] of bins) await fs.rename(at(`${name}.tmp`), at(name));
      await fs.rename(at(`${L.json}.tmp`), at(L.json));
      if (!json.training?.optimizer) await fs.rm(at(L.optimizer), { force: true });
      try {
        const dh = await fs.open(L.dir, 'r');
        await dh.sync().finally(() => dh.close());
      } catch {
        // Directory fsync is not supported everywhere (Windows); the renames are still atomic.
      }
    },
    async load(): Promise<ModelArtifacts> {
      const { fs, path } = await node();
      const L = await layoutOf(target);
      const at = (name: string) => path.join(L.dir, name);
      const read = async (file: string): Promise<Uint8Array | undefined> => {
        try {
          const b = await fs.readFile(file);
          return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw new ModelFormatError(description, `cannot read ${file}: ${(err as Error).message}`);
        }
      };
      const parse = (bytes: Uint8Array, name: string): ModelJson => {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(bytes));
        } catch (err) {
          throw new ModelFormatError(description, `${name} is not valid JSON (${(err as Error).message}); the file is damaged or not a model.`);
        }
        return parseModelJson(description, json);
      };
      // One candidate model.json with its binaries; `allowTmp` also accepts `<file>.tmp` binaries.
      const attempt = async (jsonBytes: Uint8Array, name: string, allowTmp: boolean): Promise<ModelArtifacts> => {
        const modelJson = parse(jsonBytes, name);
        const pick = async (m: { path: string; byteLength: number; crc32: string }, what: string) => {
          const final = await read(at(m.path));
          try {
            return checkBinary(description, what, m, final);
          } catch (err) {
            const tmp = allowTmp ? await read(at(`${m.path}.tmp`)) : undefined;
            if (!tmp) throw err;
            return checkBinary(description, what, m, tmp);
          }
        };
        const weights = await pick(modelJson.weights, 'weights');
        const opt = modelJson.training?.optimizer;
        const optimizer = opt ? await pick(opt, 'optimizer') : undefined;
        return { modelJson, weights, optimizer };
      };
      const committed = await read(at(L.json));
      const journal = await read(at(`${L.json}.tmp`));
      if (!committed && !journal)
        throw new ModelFormatError(description, `no ${L.json} in ${L.dir}: is this where the model was saved?`);
      let firstError: unknown;
      if (committed) {
        try {
          return await attempt(committed, L.json, false);
        } catch (err) {
          firstError = err;
        }
      }
      if (journal) {
        try {
          return await attempt(journal, `${L.json}.tmp`, true);
        } catch (err) {
          firstError ??= err;
        }
      }
      throw firstError;
    },
  };
}
