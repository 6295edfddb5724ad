/**
 * The weights manifest of a tfjs model.json: `[{ paths: [shard, ...], weights: [{ name, shape,
 * dtype }] }]`. The shards of a group, concatenated in order, hold its weights in order; the
 * groups follow each other. Everything is validated here, on the JSON alone, before any shard is
 * read: shapes, dtypes, the total byte count against the limits, and every path.
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';

/** One weight of the manifest, with its byte offset in the concatenation of all shards. */
export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
  byteLength: number;
}

export interface ShardGroup {
  /** Shard paths as written in the manifest (relative to model.json). */
  paths: string[];
  /** Bytes the group's weights need: its shards must add up to exactly this. */
  byteLength: number;
}

export interface Manifest {
  groups: ShardGroup[];
  weights: WeightEntry[];
  byteLength: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Weight specs (a flat list, as in artifacts or one manifest group) to entries from `offset` on. */
export function weightEntries(specs: unknown, start: number, where: string, source: string, limits: TfjsLimits): WeightEntry[] {
  const fail = (problem: 'json' | 'shape' | 'dtype' | 'too-large', msg: string): never => {
    throw new TfjsFormatError(source, problem, `${where}: ${msg}`);
  };
  if (!Array.isArray(specs)) fail('json', `weights must be a list of { name, shape, dtype }, got ${typeof specs}.`);
  const out: WeightEntry[] = [];
  let offset = start;
  for (const [i, s] of (specs as unknown[]).entries()) {
    if (!isObject(s) || typeof s.name !== 'string') fail('json', `weight ${i} must be { name, shape, dtype } with a string name.`);
    const w = s as { name: string; shape: unknown; dtype?: unknown; quantization?: unknown };
    if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail('shape', `weight '${w.name}' has shape ${JSON.stringify(w.shape)}; a shape is a list of non-negative integers.`);
    if (w.quantization !== undefined && w.quantization !== null)
      fail('dtype', `weight '${w.name}' is quantized; convert the model again without --quantize_* options.`);
    if (w.dtype !== undefined && w.dtype !== 'float32')
      fail('dtype', `weight '${w.name}' has dtype ${JSON.stringify(w.dtype)}; only float32 weights are supported.`);
    // Multiply in floating point: an absurd shape overflows to a huge number, never wraps.
    const count = (w.shape as number[]).reduce((n, d) => n * d, 1);
    const bytes = 4 * count;
    if (offset + bytes > limits.maxWeightBytes)
      fail('too-large', `weight '${w.name}' ${JSON.stringify(w.shape)} brings the weights to ${offset + bytes} bytes, over limits.maxWeightBytes (${limits.maxWeightBytes}); raise the limit if the file is trusted.`);
    out.push({ name: w.name, shape: [...(w.shape as number[])], offset, byteLength: bytes });
    offset += bytes;
  }
  return out;
}

export function parseManifest(manifest: unknown, source: string, limits: TfjsLimits): Manifest {
  if (!Array.isArray(manifest))
    throw new TfjsFormatError(source, 'json', 'weightsManifest must be a list of { paths, weights } groups.');
  const groups: ShardGroup[] = [];
  const weights: WeightEntry[] = [];
  let offset = 0;
  let shards = 0;
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group) || !Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string'))
      throw new TfjsFormatError(source, 'json', `weightsManifest[${g}] must be { paths: [file, ...], weights: [...] }.`);
    shards += group.paths.length;
    if (shards > limits.maxShards)
      throw new TfjsFormatError(source, 'too-large', `the manifest lists more than limits.maxShards (${limits.maxShards}) shard files.`);
    for (const p of group.paths as string[]) checkShardPath(p, source);
    const entries = weightEntries(group.weights, offset, `weightsManifest[${g}]`, source, limits);
    const end = entries.length ? entries[entries.length - 1].offset + entries[entries.length - 1].byteLength : offset;
    if (end > offset && group.paths.length === 0)
      throw new TfjsFormatError(source, 'missing-shard', `weightsManifest[${g}] has weights but no shard paths.`);
    groups.push({ paths: [...(group.paths as string[])], byteLength: end - offset });
    weights.push(...entries);
    offset = end;
  }
  return { groups, weights, byteLength: offset };
}

/**
 * A shard path must be a plain relative path below model.json's directory: no scheme, no
 * absolute path or drive, no `..` segment, no backslash or NUL, also after percent-decoding
 * (a URL loader would decode `%2e%2e%2f`).
 */
export function checkShardPath(p: string, source: string): void {
  const bad = (why: string): never => {
    throw new TfjsFormatError(source, 'path', `shard path ${JSON.stringify(p)} ${why}; shard paths must be file names relative to model.json's directory.`);
  };
  let decoded = p;
  try {
    // Decode until stable (double encoding), a few rounds at most.
    for (let i = 0; i < 4 && decoded.includes('%'); i++) decoded = decodeURIComponent(decoded);
  } catch {
    bad('is not valid percent-encoding');
  }
  for (const s of [p, decoded]) {
    if (s === '' || s.length > 1024) bad('is empty or too long');
    if (/[\\\0]/.test(s)) bad('contains a backslash or NUL');
    if (s.startsWith('/') || /^[a-zA-Z]:/.test(s) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) bad('is absolute or has a scheme');
    if (s.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) bad("has '..', '.' or empty segments");
    if (s.includes('?') || s.includes('#')) bad('has a query or fragment');
  }
}
