/**
 * Reading Keras / tfjs-layers JSON: layer entries `{ class_name, config }` (Keras 3 adds
 * `module`, `registered_name`, `build_config`), and the dialect (which Keras wrote the file).
 */
import { ConfigError, quote } from '@recurrent/core';

export type Json = Record<string, unknown>;

export interface KerasLayerJson {
  className: string;
  name: string;
  config: Json;
  /** The whole entry (Keras 3's build_config, functional inbound_nodes). */
  raw: Json;
}

export const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Which hard sigmoid 'hard_sigmoid' means: Keras 3 changed it from clip(0.2 x + 0.5, 0, 1)
 * (Keras 2, tfjs-layers) to relu6(x + 3) / 6. A Keras 3 file says `keras_version: "3.x"`; a
 * tfjs-layers file says `"tfjs-layers 4.22.0"`.
 */
export type KerasDialect = 'keras2' | 'keras3';

export function dialectOf(topology: Json): KerasDialect {
  const v = topology.keras_version;
  if (typeof v === 'string') return /^3\./.test(v) ? 'keras3' : 'keras2';
  // No version: Keras 3 writes `module` on every layer entry; older writers do not.
  const cfg = topology.config;
  const layers = isJsonObject(cfg) && Array.isArray(cfg.layers) ? cfg.layers : [];
  return layers.some((l) => isJsonObject(l) && typeof l.module === 'string') ? 'keras3' : 'keras2';
}

/** A `{ class_name, config }` entry, checked. */
export function layerJson(v: unknown, where: string): KerasLayerJson {
  if (!isJsonObject(v) || typeof v.class_name !== 'string' || !isJsonObject(v.config))
    throw new ConfigError(`${where}: a layer must be { class_name, config }, got ${JSON.stringify(v)?.slice(0, 200)}.`);
  // A functional model's entry has its own name, which inbound_nodes refer to; Keras and tfjs write
  // it equal to config.name. A file where they differ (or the entry's is not a string) is damaged:
  // tfjs-layers loops forever on one, and either name could be the one meant.
  if (v.name !== undefined && (typeof v.name !== 'string' || (v.config.name != null && v.config.name !== v.name)))
    throw new ConfigError(`${where}: the layer's name ${quote(v.name)} and its config.name ${quote(v.config.name)} differ; Keras writes them equal. The file is damaged.`);
  const name = typeof v.config.name === 'string' ? v.config.name : typeof v.name === 'string' ? v.name : where;
  return { className: v.class_name, name, config: v.config, raw: v };
}

/** A Keras shape with its batch axis (`batch_input_shape` / Keras 3 `batch_shape`), if the layer has one. */
export function batchShapeOf(l: KerasLayerJson): (number | null)[] | undefined {
  const c = l.config;
  const s = c.batch_input_shape ?? c.batch_shape;
  if (s === undefined || s === null) {
    const build = l.raw.build_config;
    if (isJsonObject(build) && Array.isArray(build.input_shape)) return checkShape(build.input_shape, l, 'build_config.input_shape');
    return undefined;
  }
  return checkShape(s, l, 'batch_input_shape');
}

function checkShape(s: unknown, l: KerasLayerJson, key: string): (number | null)[] {
  if (!Array.isArray(s) || s.length < 1 || !s.every((d) => d === null || (Number.isSafeInteger(d) && d >= 1)))
    throw new ConfigError(`layer '${l.name}' (${l.className}): ${key} must be a list of positive integers or null, got ${JSON.stringify(s)}.`);
  return s as (number | null)[];
}

/** A config field: its value if present and not null, else the default. */
export function field<T>(c: Json, key: string, dflt: T): T {
  const v = c[key];
  return v === undefined || v === null ? dflt : (v as T);
}

/** Keras dtype: a string or (Keras 3) a DTypePolicy object; float32 is all we run. */
export function dtypeOf(c: Json): string {
  const d = c.dtype;
  if (d === undefined || d === null) return 'float32';
  if (typeof d === 'string') return d;
  if (isJsonObject(d) && isJsonObject(d.config) && typeof d.config.name === 'string') return d.config.name;
  return JSON.stringify(d);
}
