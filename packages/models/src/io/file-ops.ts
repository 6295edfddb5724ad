/**
 * The file operations the Node handler performs, as one seam: the default is node:fs, and the
 * crash tests substitute a version that "dies" at operation N. Each method is one operation
 * (a crash can fall between any two of them, or in the middle of a write).
 *
 * Node modules are imported when first used, so this file is safe in a browser bundle.
 */
import { ModelFormatError } from '../errors.js';

export interface FileOps {
  mkdir(dir: string): Promise<void>;
  /** File names in `dir` ([] when it does not exist). */
  list(dir: string): Promise<string[]>;
  /** Size in bytes, or undefined when the file does not exist. */
  size(file: string): Promise<number | undefined>;
  /** The bytes, or undefined when the file does not exist. */
  read(file: string): Promise<Uint8Array | undefined>;
  /** Creates or truncates `file`, writes `data` and fsyncs it. */
  writeSynced(file: string, data: Uint8Array | string): Promise<void>;
  /** Atomically replaces `to` by `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; no error when it is absent. */
  remove(file: string): Promise<void>;
  /** Makes renames in `dir` durable (a no-op where directories cannot be fsynced). */
  syncDir(dir: string): Promise<void>;
  join(dir: string, name: string): string;
  dirname(file: string): string;
  basename(file: string): string;
}

const browserHint =
  "saving to or loading from a path needs Node.js; in a browser use 'indexeddb://name', 'downloads://name' or an http(s) URL.";

let cached: Promise<FileOps> | undefined;

/** node:fs as FileOps, or a ModelFormatError in a browser (where bundlers stub node: modules). */
export function nodeFileOps(): Promise<FileOps> {
  cached ??= load().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function load(): Promise<FileOps> {
  let mods: [typeof import('node:fs/promises'), typeof import('node:path')];
  try {
    mods = await Promise.all([import('node:fs/promises'), import('node:path')]);
  } catch {
    throw new ModelFormatError('file system', browserHint);
  }
  // Browser bundlers (Vite, webpack 5) resolve node: imports to empty stubs rather than failing.
  const [fs, path] = mods;
  if (typeof fs?.open !== 'function' || typeof path?.join !== 'function') throw new ModelFormatError('file system', browserHint);
  const absent = (err: unknown) => (err as { code?: string }).code === 'ENOENT';
  return {
    mkdir: async (dir) => {
      await fs.mkdir(dir, { recursive: true });
    },
    list: async (dir) => {
      try {
        return await fs.readdir(dir);
      } catch (err) {
        if (absent(err)) return [];
        throw err;
      }
    },
    size: async (file) => {
      try {
        return (await fs.stat(file)).size;
      } catch (err) {
        if (absent(err)) return undefined;
        throw err;
      }
    },
    read: async (file) => {
      try {
        const b = await fs.readFile(file);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (err) {
        if (absent(err)) return undefined;
        throw err;
      }
    },
    writeSynced: async (file, data) => {
      const fh = await fs.open(file, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    rename: (from, to) => fs.rename(from, to),
    remove: (file) => fs.rm(file, { force: true }),
    syncDir: async (dir) => {
      try {
        const dh = await fs.open(dir, 'r');
        await dh.sync().finally(() => dh.close());
      } catch {
        // Directory fsync is not supported everywhere (Windows); the renames are still atomic.
      }
    },
    join: (dir, name) => path.join(dir, name),
    dirname: (file) => path.dirname(file),
    basename: (file) => path.basename(file),
  };
}
