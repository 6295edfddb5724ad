/**
 * Node file system handler. A path ending in `.json` is the model file itself (binaries beside
 * it as `<name>.weights.<g>.bin`, `<name>.optimizer.<g>.bin`); any other path is a directory
 * holding `model.json`, `weights.<g>.bin` and `optimizer.<g>.bin`.
 *
 * Saves are generations. Save g writes its binaries under new names (g is one more than any
 * generation number in the directory, so no file a model.json names is ever written), fsyncs
 * them, writes the new model.json as `model.json.<g>.tmp`, fsyncs it and renames it over
 * model.json (the commit point); only then are the files of older generations removed. A crash
 * at any point therefore leaves a model.json whose binaries are all in place: the previous
 * save's or the new one's. Crashes in a row cannot compound, since no save touches the files
 * of the committed generation before its own commit.
 *
 * Loading reads model.json (size-capped) and checks its binaries (length and CRC-32). Directories
 * written before generations (`weights.bin`, `optimizer.bin`, and the `model.json.tmp` journal
 * of an interrupted save) still load: when model.json does not check out, the journal with its
 * `<file>.tmp` binaries is tried. One writer per directory at a time.
 */
import { ModelFormatError } from '../errors.js';
import { type FileOps, nodeFileOps } from './file-ops.js';
import { checkBinary, type LoadLimits, type ModelJson, parseModelJsonBytes } from './format.js';
import type { IOHandler, ModelArtifacts } from './handler.js';

interface Layout {
  dir: string;
  /** model.json's file name. */
  json: string;
  /** Binary file names without the `.bin` (and generation): `weights`, `net.weights`. */
  weights: string;
  optimizer: string;
}

function layoutOf(ops: FileOps, target: string): Layout {
  if (target.endsWith('.json')) {
    const stem = ops.basename(target).slice(0, -'.json'.length);
    return { dir: ops.dirname(target), json: ops.basename(target), weights: `${stem}.weights`, optimizer: `${stem}.optimizer` };
  }
  return { dir: target, json: 'model.json', weights: 'weights', optimizer: 'optimizer' };
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The files of this model in a directory listing (other models' files beside a `.json` path are
 * not touched): each binary with its generation (0 for the legacy unnumbered names), and the
 * temporary files of interrupted saves.
 */
function ownFiles(L: Layout, names: readonly string[]): { generation: Map<string, number>; temporary: string[] } {
  const bin = new RegExp(`^(?:${reEscape(L.weights)}|${reEscape(L.optimizer)})(?:\\.(\\d{1,15}))?\\.bin$`);
  const tmp = new RegExp(`^(?:${reEscape(L.json)}|${reEscape(L.weights)}.*\\.bin|${reEscape(L.optimizer)}.*\\.bin)(?:\\.\\d{1,15})?\\.tmp$`);
  const generation = new Map<string, number>();
  const temporary: string[] = [];
  for (const n of names) {
    const m = bin.exec(n);
    if (m) generation.set(n, m[1] === undefined ? 0 : Number(m[1]));
    else if (tmp.test(n)) temporary.push(n);
  }
  return { generation, temporary };
}

/** Highest generation number among this model's files, temporary ones included. */
function newestGeneration(L: Layout, names: readonly string[]): number {
  const { generation, temporary } = ownFiles(L, names);
  let g = 0;
  for (const v of generation.values()) g = Math.max(g, v);
  for (const t of temporary) for (const d of t.match(/\d{1,15}/g) ?? []) g = Math.max(g, Number(d));
  return g;
}

export interface FileSystemOptions {
  /** @internal The file operations (tests inject crashes here). Default: node:fs. */
  fileOps?: FileOps;
}

export function fileSystem(target: string, options: FileSystemOptions = {}): Required<IOHandler> {
  const description = target.endsWith('.json') ? `file ${target}` : `directory ${target}`;
  const opsOf = () => (options.fileOps ? Promise.resolve(options.fileOps) : nodeFileOps());
  return {
    description,
    async save(a: ModelArtifacts): Promise<void> {
      const ops = await opsOf();
      const L = layoutOf(ops, target);
      const at = (name: string) => ops.join(L.dir, name);
      await ops.mkdir(L.dir);
      const before = await ops.list(L.dir);
      const g = newestGeneration(L, before) + 1;
      const json: ModelJson = structuredClone(a.modelJson);
      json.weights.path = `${L.weights}.${g}.bin`;
      const bins: [string, Uint8Array][] = [[json.weights.path, a.weights]];
      if (json.training?.optimizer) {
        if (!a.optimizer) delete json.training.optimizer;
        else {
          json.training.optimizer.path = `${L.optimizer}.${g}.bin`;
          bins.push([json.training.optimizer.path, a.optimizer]);
        }
      }
      const journal = `${L.json}.${g}.tmp`;
      const written: string[] = [];
      try {
        for (const [name, bytes] of bins) {
          written.push(at(name));
          await ops.writeSynced(at(name), bytes);
        }
        written.push(at(journal));
        await ops.writeSynced(at(journal), JSON.stringify(json, null, 1));
      } catch (err) {
        // Nothing the committed model.json names was touched: remove the new files and report.
        await Promise.all(written.map((f) => ops.remove(f).catch(() => undefined)));
        throw new ModelFormatError(description, `could not write the model: ${(err as Error).message}`);
      }
      await ops.rename(at(journal), at(L.json));
      await ops.syncDir(L.dir);
      // Committed. Older generations, legacy names and leftovers of interrupted saves can go; a
      // crash or an error here only leaves extra files, which the next save removes.
      const keep = new Set(bins.map(([n]) => n));
      try {
        const { generation, temporary } = ownFiles(L, await ops.list(L.dir));
        for (const f of [...generation.keys(), ...temporary]) if (!keep.has(f)) await ops.remove(at(f)).catch(() => undefined);
      } catch {
        // The listing failed: nothing removed, the save itself is complete.
      }
    },
    async load(limits: LoadLimits = {}): Promise<ModelArtifacts> {
      const ops = await opsOf();
      const L = layoutOf(ops, target);
      const at = (name: string) => ops.join(L.dir, name);
      const read = async (file: string): Promise<Uint8Array | undefined> => {
        try {
          return await ops.read(at(file));
        } catch (err) {
          throw new ModelFormatError(description, `cannot read ${at(file)}: ${(err as Error).message}`);
        }
      };
      // One candidate model.json with its binaries; `allowTmp` also accepts legacy `<file>.tmp` binaries.
      const attempt = async (name: string, allowTmp: boolean): Promise<ModelArtifacts | undefined> => {
        const size = await ops.size(at(name)).catch(() => undefined);
        if (size === undefined) return undefined;
        const modelJson = parseModelJsonBytes(description, name, await read(name), size, limits);
        const pick = async (m: { path: string; byteLength: number; crc32: string }, what: string) => {
          try {
            return checkBinary(description, what, m, await read(m.path));
          } catch (err) {
            const tmp = allowTmp ? await read(`${m.path}.tmp`) : undefined;
            if (!tmp) throw err;
            return checkBinary(description, what, m, tmp);
          }
        };
        const weights = await pick(modelJson.weights, 'weights');
        const opt = limits.includeOptimizer === false ? undefined : modelJson.training?.optimizer;
        const optimizer = opt ? await pick(opt, 'optimizer') : undefined;
        return { modelJson, weights, optimizer };
      };
      let firstError: unknown;
      let found = false;
      for (const [name, allowTmp] of [
        [L.json, false],
        [`${L.json}.tmp`, true],
      ] as const) {
        try {
          const a = await attempt(name, allowTmp);
          if (a) return a;
        } catch (err) {
          found = true;
          firstError ??= err;
        }
      }
      if (!found) throw new ModelFormatError(description, `no ${L.json} in ${L.dir}: is this where the model was saved?`);
      throw firstError;
    },
  };
}
