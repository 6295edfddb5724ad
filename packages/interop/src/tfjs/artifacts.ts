/**
 * What every source comes down to: the parsed topology, the weight entries (with byte offsets)
 * and the weight bytes, checked against each other. `readModelJson` does it for a model.json
 * and a shard reader (directory, URL); `fromArtifacts` for artifacts already in memory
 * (`tf.io.withSaveHandler`, IndexedDB records, localStorage).
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';
import { parseManifest, type WeightEntry, weightEntries } from './manifest.js';
import { checkUntrustedValue } from './safe-json.js';
import { isJsonObject } from './keras-json.js';

/** `{ modelTopology, weightSpecs, weightData }`, as `tf.io.withSaveHandler` hands them over. */
export interface TfjsArtifacts {
  modelTopology?: unknown;
  weightSpecs?: unknown;
  weightData?: ArrayBuffer | ArrayBuffer[] | ArrayBufferView;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export interface RawModel {
  /** Where it came from, for error messages. */
  source: string;
  topology: unknown;
  weights: WeightEntry[];
  data: Uint8Array;
}

/** Reads one shard: `maxBytes` is how many bytes the group still expects (a larger shard is refused unread). */
export type ShardReader = (path: string, maxBytes: number) => Promise<Uint8Array>;

export async function readModelJson(json: unknown, readShard: ShardReader, source: string, limits: TfjsLimits): Promise<RawModel> {
  if (!isJsonObject(json) || !isJsonObject(json.modelTopology))
    throw new TfjsFormatError(source, 'json', 'model.json must be { modelTopology, weightsManifest } as tfjs-layers writes it (format "layers-model").');
  if (json.format !== undefined && json.format !== 'layers-model')
    throw new TfjsFormatError(source, 'json', `model.json has format ${JSON.stringify(json.format)}; only tfjs layers models ("layers-model") hold Keras layers. Convert with --output_format tfjs_layers_model.`);
  const manifest = parseManifest(json.weightsManifest ?? [], source, limits);
  // Shards are kept as read and joined only once they add up: a manifest that claims more bytes
  // than its files hold costs no allocation of the claimed size.
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [g, group] of manifest.groups.entries()) {
    const end = at + group.byteLength;
    for (const p of group.paths) {
      const bytes = await readShard(p, end - at);
      if (bytes.byteLength > end - at)
        throw new TfjsFormatError(source, 'byte-size', `shard '${p}' has ${bytes.byteLength} bytes, more than the ${end - at} that weightsManifest[${g}] still needs.`);
      parts.push(bytes);
      at += bytes.byteLength;
    }
    if (at !== end)
      throw new TfjsFormatError(source, 'byte-size', `the shards of weightsManifest[${g}] hold ${at - (end - group.byteLength)} bytes, but its weights' shapes need ${group.byteLength}.`);
  }
  const data = concatBytes(parts, manifest.byteLength);
  return { source, topology: json.modelTopology, weights: manifest.weights, data };
}

/** Concatenates byte arrays that add up to `total` (one part is returned as is). */
export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function bytesOf(d: TfjsArtifacts['weightData']): Uint8Array[] {
  if (d === undefined || d === null) return [];
  if (Array.isArray(d)) return d.flatMap(bytesOf);
  if (d instanceof ArrayBuffer) return [new Uint8Array(d)];
  if (ArrayBuffer.isView(d)) return [new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
  throw new TypeError('weightData');
}

export function fromArtifacts(a: TfjsArtifacts, source: string, limits: TfjsLimits): RawModel {
  if (!isJsonObject(a)) throw new TfjsFormatError(source, 'json', 'artifacts must be { modelTopology, weightSpecs, weightData }.');
  checkUntrustedValue(a.modelTopology, 'modelTopology', source, limits);
  checkUntrustedValue(a.weightSpecs, 'weightSpecs', source, limits);
  if (!isJsonObject(a.modelTopology)) throw new TfjsFormatError(source, 'json', 'artifacts.modelTopology must be the JSON topology object.');
  const weights = weightEntries(a.weightSpecs ?? [], 0, 'weightSpecs', source, limits);
  let parts: Uint8Array[];
  try {
    parts = bytesOf(a.weightData as TfjsArtifacts['weightData']);
  } catch {
    throw new TfjsFormatError(source, 'json', 'artifacts.weightData must be an ArrayBuffer (or a list of them).');
  }
  const need = weights.length ? weights[weights.length - 1].offset + weights[weights.length - 1].byteLength : 0;
  const have = parts.reduce((n, p) => n + p.byteLength, 0);
  if (have !== need) throw new TfjsFormatError(source, 'byte-size', `weightData has ${have} bytes, but weightSpecs' shapes need ${need}.`);
  return { source, topology: a.modelTopology, weights, data: concatBytes(parts, need) };
}
