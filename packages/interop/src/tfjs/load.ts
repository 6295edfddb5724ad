/**
 * loadTfjsModel: a tfjs-layers / Keras model (model.json + shards, or artifacts) to a
 * `Sequential` of @recurrent/models with the same predictions. Everything is validated before a
 * weight is uploaded; only the file's values are allocated (no initializer runs).
 */
import type { Backend, Engine } from '@recurrent/core';
import { type Functional, type LayersModel, Sequential } from '@recurrent/models';
import { type RawModel, type TfjsArtifacts, fromArtifacts } from './artifacts.js';
import { readIndexedDb, readLocalStorage } from './browser-stores.js';
import { TfjsFormatError } from './errors.js';
import { readUrl } from './http.js';
import { dialectOf } from './keras-json.js';
import { type Converted, convertLayer, type KerasWeight, type OurWeights, type WeightsOf } from './keras-layers.js';
import { buildFunctional, kerasGraph } from './keras-graph.js';
import { isFunctionalGraph, kerasChain, topologyRoot } from './keras-model.js';
import { resolveLimits, type TfjsLimits } from './limits.js';
import { readDirectory } from './node-files.js';

/** A directory (or model.json path) in Node, an http(s) URL, 'indexeddb://name', 'localstorage://name', or artifacts. */
export type TfjsSource = string | URL | TfjsArtifacts;

export interface LoadTfjsOptions {
  backend: Backend | Engine;
  /** Seed of the model's Rng (dropout masks and shuffling when training on). Default random. */
  seed?: number;
  /** The input shape without the batch axis, for a file that has none. */
  inputShape?: (number | null)[];
  /** Size limits for untrusted files (see TfjsLimits). */
  limits?: Partial<TfjsLimits>;
  /** The fetch used for URLs (headers, credentials, tests). Default globalThis.fetch. */
  fetch?: typeof fetch;
}

export async function readTfjsSource(source: TfjsSource, limits: TfjsLimits, fetchFn?: typeof fetch): Promise<RawModel> {
  if (source instanceof URL) return readTfjsSource(source.href, limits, fetchFn);
  if (typeof source !== 'string') return fromArtifacts(source, 'artifacts', limits);
  if (source.startsWith('indexeddb://')) return readIndexedDb(source.slice('indexeddb://'.length), limits);
  if (source.startsWith('localstorage://')) return readLocalStorage(source.slice('localstorage://'.length), limits);
  if (/^https?:\/\//.test(source)) return readUrl(source, limits, fetchFn);
  if (source.startsWith('file://')) return readDirectory(decodeURIComponent(new URL(source).pathname), limits);
  if (source === '') throw new TfjsFormatError(source, 'source', 'the path is empty.');
  return readDirectory(source, limits);
}

/** Decodes the file's weights and files them under their Keras layer (and Bidirectional half) by name. */
function indexWeights(raw: RawModel, layerNames: Set<string>) {
  const byLayer = new Map<string, Map<string, KerasWeight>>();
  const unowned: string[] = [];
  const view = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  for (const w of raw.weights) {
    const parts = w.name.replace(/:\d+$/, '').split('/');
    const at = parts.findIndex((p) => layerNames.has(p));
    if (at < 0) {
      unowned.push(w.name);
      continue;
    }
    const sub = parts.slice(at + 1, -1).find((p) => /^(forward|backward)_/.test(p))?.split('_')[0];
    const key = sub ? `${parts[at]}/${sub}` : parts[at];
    const role = parts[parts.length - 1];
    const data = new Float32Array(w.byteLength / 4);
    for (let i = 0; i < data.length; i++) {
      const v = view.getFloat32(w.offset + 4 * i, true);
      if (!Number.isFinite(v)) throw new TfjsFormatError(raw.source, 'weights', `weight '${w.name}' holds ${v} at index ${i}; a model's weights must be finite.`);
      data[i] = v;
    }
    const m = byLayer.get(key) ?? new Map<string, KerasWeight>();
    if (m.has(role)) throw new TfjsFormatError(raw.source, 'weights', `weight '${w.name}' appears twice (two '${role}' weights for one layer).`);
    m.set(role, { shape: w.shape, data });
    byLayer.set(key, m);
  }
  return { byLayer, unowned };
}

/** Our weights from the file's, per converted layer, with every file weight used exactly once. */
function oursFrom(raw: RawModel, byLayer: Map<string, Map<string, KerasWeight>>, layers: { name: string; converted: Converted }[]): OurWeights {
  const used = new Set<string>();
  const ours: OurWeights = new Map();
  for (const { name, converted } of layers) {
    const of: WeightsOf = (sub) => {
      const key = sub ? `${name}/${sub}` : name;
      used.add(key);
      return byLayer.get(key) ?? new Map();
    };
    for (const [k, v] of converted.weights(of, raw.source)) ours.set(k, v);
  }
  const extra = [...byLayer.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new TfjsFormatError(raw.source, 'weights', `the file has weights no layer uses: ${extra.join(', ')}.`);
  return ours;
}

/** The value of our weight `name` from `ours`, checked against the shape the layer needs. */
function weightValue(ours: OurWeights, name: string, shape: number[], source: string, input: string): Float32Array {
  const w = ours.get(name);
  if (!w) throw new TfjsFormatError(source, 'weights', `the file has no weight for '${name}' [${shape}].`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))
    throw new TfjsFormatError(source, 'shape', `weight '${name}' is [${w.shape}] in the file, but the layer needs [${shape}] for input ${input}.`);
  return w.data;
}

/** A functional topology that is not a chain, as our functional model. */
function loadGraph(raw: RawModel, root: Record<string, unknown>, options: LoadTfjsOptions, limits: TfjsLimits): Functional {
  const desc = raw.source;
  const graph = kerasGraph(root, desc, limits.maxNodes);
  const { byLayer, unowned } = indexWeights(raw, new Set(graph.layers.map((l) => l.name)));
  if (unowned.length)
    throw new TfjsFormatError(desc, 'weights', `the file has weights that belong to no layer of the topology: ${unowned.join(', ')}.`);
  return buildFunctional(
    graph,
    dialectOf(root),
    (l) => (sub) => byLayer.get(sub ? `${l.name}/${sub}` : l.name) ?? new Map(),
    { backend: options.backend, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
    (converted) => {
      const ours = oursFrom(raw, byLayer, [...converted].map(([name, c]) => ({ name, converted: c })));
      return (name, shape) => weightValue(ours, name, shape, desc, `of layer '${name.split('/')[0]}'`);
    },
    desc,
  );
}

/**
 * Loads a tfjs-layers or Keras model saved as `model.json` + weight shards: a Sequential, or a
 * functional model with several inputs / outputs, merge layers or state passing as our
 * functional model (`loadTfjsModel<Functional>(...)` types it). A functional file that is a
 * plain chain loads as a Sequential.
 *
 *   const model = await loadTfjsModel('models/tfjs-lstm', { backend: createCpuBackend() });
 *   const y = await model.predict(x);
 */
export async function loadTfjsModel<M extends Sequential | Functional = Sequential>(source: TfjsSource, options: LoadTfjsOptions): Promise<NoInfer<M>>;
export async function loadTfjsModel(source: TfjsSource, options: LoadTfjsOptions): Promise<LayersModel> {
  const limits = resolveLimits(options.limits);
  const raw = await readTfjsSource(source, limits, options.fetch);
  const desc = raw.source;
  const root = topologyRoot(raw.topology);
  const dialect = dialectOf(root);
  if (isFunctionalGraph(root)) return loadGraph(raw, root, options, limits);
  const chain = kerasChain(root);
  const batchShape = options.inputShape ? [null, ...options.inputShape] : chain.batchInputShape;
  if (!batchShape)
    throw new TfjsFormatError(desc, 'shape', 'the file does not say the input shape (no InputLayer or batch_input_shape); pass { inputShape } to loadTfjsModel.');
  const inputShape = batchShape.slice(1);
  const { byLayer, unowned } = indexWeights(raw, new Set(chain.layers.map((l) => l.name)));
  if (unowned.length)
    throw new TfjsFormatError(desc, 'weights', `the file has weights that belong to no layer of the topology: ${unowned.join(', ')}.`);
  const converted: Converted[] = chain.layers.map((l, i) => {
    const shapeOpts = i > 0 ? {} : batchShape[0] !== null ? { batchInputShape: batchShape } : { inputShape };
    return convertLayer(l, dialect, shapeOpts, (sub) => byLayer.get(sub ? `${l.name}/${sub}` : l.name) ?? new Map());
  });
  const ours = oursFrom(raw, byLayer, converted.map((c, i) => ({ name: chain.layers[i].name, converted: c })));
  const model = new Sequential({ backend: options.backend, name: chain.name, ...(options.seed !== undefined ? { seed: options.seed } : {}) }, []);
  try {
    for (const c of converted) model.add(c.layer);
    model.buildWith(inputShape, (name, shape) => weightValue(ours, name, shape, desc, `[${inputShape}]`));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
