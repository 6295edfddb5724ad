/**
 * A tfjs model in a Node directory: `model.json` plus the shards its manifest names. Reads
 * check sizes with stat before reading, and resolve every shard (following symlinks) to a file
 * inside the model's directory. Node modules are imported on use, so the file is safe in a
 * browser bundle.
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';
import { parseUntrustedJson } from './safe-json.js';
import { type RawModel, readModelJson } from './artifacts.js';

async function node(source: string) {
  const fail = () =>
    new TfjsFormatError(source, 'source', "a file path needs Node.js; in a browser load from a URL, 'indexeddb://name', 'localstorage://name' or artifacts.");
  let mods: [typeof import('node:fs/promises'), typeof import('node:path')];
  try {
    mods = await Promise.all([import('node:fs/promises'), import('node:path')]);
  } catch {
    throw fail();
  }
  const [fs, path] = mods;
  if (typeof fs?.readFile !== 'function' || typeof path?.join !== 'function') throw fail(); // a bundler's empty stub
  return { fs, path };
}

/** `dir` or `dir/model.json` (any `.json` name) to the directory and the JSON file. */
async function layout(target: string) {
  const { path } = await node(target);
  return target.endsWith('.json') ? { dir: path.dirname(target), json: target } : { dir: target, json: path.join(target, 'model.json') };
}

export async function readDirectory(target: string, limits: TfjsLimits): Promise<RawModel> {
  const { fs, path } = await node(target);
  const { dir, json } = await layout(target);
  const missing = (file: string, err: unknown): never => {
    throw new TfjsFormatError(target, 'missing-shard', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  };
  let realDir: string;
  try {
    realDir = await fs.realpath(dir);
    const st = await fs.stat(json);
    if (st.size > limits.maxJsonBytes)
      throw new TfjsFormatError(target, 'too-large', `model.json is ${st.size} bytes, over limits.maxJsonBytes (${limits.maxJsonBytes}); raise the limit if the file is trusted.`);
  } catch (err) {
    if (err instanceof TfjsFormatError) throw err;
    throw new TfjsFormatError(target, 'source', `no tfjs model here: cannot read ${json} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  const text = await fs.readFile(json, 'utf8');
  const parsed = parseUntrustedJson(text, 'model.json', target, limits);
  return readModelJson(
    parsed,
    async (p, maxBytes) => {
      const file = path.resolve(realDir, p);
      let real: string;
      try {
        real = await fs.realpath(file);
      } catch (err) {
        return missing(`shard '${p}'`, err);
      }
      const rel = path.relative(realDir, real);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
        throw new TfjsFormatError(target, 'path', `shard '${p}' resolves (through a link) to ${real}, outside the model's directory; refusing to read it.`);
      const st = await fs.stat(real);
      if (!st.isFile()) throw new TfjsFormatError(target, 'missing-shard', `shard '${p}' is not a file.`);
      if (st.size > maxBytes)
        throw new TfjsFormatError(target, 'byte-size', `shard '${p}' has ${st.size} bytes, more than the ${maxBytes} the manifest's shapes still need.`);
      const buf = await fs.readFile(real);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    target,
    limits,
  );
}

/** Writes model.json and the shard files into `target` (created if needed); each file via a temporary name and a rename. */
export async function writeDirectory(target: string, modelJson: string, shards: { path: string; bytes: Uint8Array }[]): Promise<void> {
  const { fs, path } = await node(target);
  const { dir, json } = await layout(target);
  await fs.mkdir(dir, { recursive: true });
  const write = async (file: string, data: Uint8Array | string) => {
    const tmp = `${file}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  };
  for (const s of shards) await write(path.join(dir, s.path), s.bytes);
  await write(json, modelJson);
}
