/**
 * The saved-model format `recurrent-model/1` (documented in the README):
 *
 *   model.json    topology, weight manifest, optional training state (JSON, UTF-8)
 *   weights.bin   every weight as little-endian float32, concatenated in manifest order
 *   optimizer.bin optimizer slots (same encoding), present when saved with the optimizer
 *
 * Each binary's manifest records its byte length and CRC-32, so a truncated or corrupted file
 * is an error on load, never a model with wrong weights.
 */
import { quote, type RngState } from '@recurrent/core';
import { ModelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';
import { deeperThan } from '../internal/untrusted.js';

export const MODEL_FORMAT = 'recurrent-model/1';

/**
 * Default cap on the size of a model.json that loading reads (bytes). A model.json holds the
 * topology and the weight manifest, a few kilobytes for real models; the cap keeps a hostile or
 * mistaken file from being read whole. Raise it with `loadModel(src, { maxJsonBytes })`.
 */
export const DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Nesting deeper than this in a model.json is refused (real files nest 7 levels or fewer). */
export const MAX_JSON_DEPTH = 64;

/** What loadModel asks of a handler's load. */
export interface LoadLimits {
  /** Largest model.json accepted, in bytes. Default DEFAULT_MAX_JSON_BYTES (16 MiB). */
  maxJsonBytes?: number;
  /**
   * false: the optimizer state is not wanted (inference only); the handler need not read it, and
   * a missing or damaged optimizer file is no error. Default true.
   */
  includeOptimizer?: boolean;
}

/** The size cap of `limits`, checked. */
export function maxJsonBytes(limits: LoadLimits | undefined): number {
  const v = limits?.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  if (!Number.isSafeInteger(v) || v < 1) throw new ModelFormatError('load options', `maxJsonBytes must be a positive integer, got ${quote(v)}.`);
  return v;
}

/** Refuses a model.json of `size` bytes above the cap, before it is read or decoded. */
export function checkJsonSize(source: string, name: string, size: number, limits: LoadLimits | undefined): void {
  const max = maxJsonBytes(limits);
  if (size > max)
    throw new ModelFormatError(
      source,
      `${name} is ${size} bytes, more than the ${max}-byte limit for a model.json; it is not a model file. ` +
        'If it really is one, raise the limit: loadModel(source, { backend, maxJsonBytes }).',
    );
}

/** model.json bytes (or text) to a validated ModelJson: size cap, JSON syntax, depth, structure. */
export function parseModelJsonBytes(source: string, name: string, bytes: Uint8Array | string | undefined, size: number, limits: LoadLimits | undefined): ModelJson {
  checkJsonSize(source, name, size, limits);
  if (bytes === undefined) throw new ModelFormatError(source, `${name} disappeared while it was being read.`);
  checkJsonSize(source, name, typeof bytes === 'string' ? bytes.length : bytes.byteLength, limits);
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelFormatError(source, `${name} is not valid JSON (${quote((err as Error).message, 120)}); the file is damaged or not a model.`);
  }
  return parseModelJson(source, json);
}

export interface WeightEntry {
  name: string;
  shape: number[];
}

export interface BinaryManifest {
  /** File name relative to model.json. */
  path: string;
  byteLength: number;
  /** CRC-32 of the file, 8 hex digits. */
  crc32: string;
}

export interface LayerJson {
  className: string;
  config: Record<string, unknown>;
}

export interface OptimizerJson extends BinaryManifest {
  /** 'adam', 'sgd', ... (core's optimizer names). */
  name: string;
  /** The factory options (learningRate, beta1, ...); a schedule is saved as 'schedule'. */
  config: Record<string, unknown>;
  /** Updates applied so far (Adam's bias correction depends on it). */
  step: number;
  /** Slot tensors in file order, named `<param>/<slot>` (e.g. `lstm/kernel/m`). */
  slots: WeightEntry[];
}

/** A tensor of a functional graph: a model input by name, or output `output` (0: the layer's output, 1..: its states) of an earlier node. */
export type RefJson = { input: string } | { node: number; output: number };

/** A functional model's topology: every layer once, the calls in run order, and the outputs. */
export interface FunctionalJson {
  className: 'Functional';
  name: string;
  seed: number;
  layers: LayerJson[];
  inputs: { name: string; shape: (number | null)[]; dtype?: 'float32' | 'int32' }[];
  /** Layer calls in run order; a node reads only model inputs and earlier nodes. */
  nodes: { layer: string; inputs: RefJson[]; initialState?: RefJson[] }[];
  outputs: RefJson[];
}

export interface SequentialJson {
  className: 'Sequential';
  name: string;
  seed: number;
  /** Input shape without the batch axis. */
  inputShape: (number | null)[];
  layers: LayerJson[];
}

/** The saved loss: one, one per output, or by output name. */
export type LossJson = { name: string; fromLogits?: boolean };

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  generator?: string;
  model: SequentialJson | FunctionalJson;
  weights: BinaryManifest & { entries: WeightEntry[] };
  training?: {
    loss?: LossJson | LossJson[] | Record<string, LossJson>;
    metrics?: string[];
    /** Epochs trained so far. */
    epochs: number;
    /** State of the training Rng (shuffling, dropout), so a resumed fit continues the same stream. */
    rng: RngState;
    optimizer?: OptimizerJson;
  };
}

/** Values as little-endian float32 bytes, concatenated. */
export function encodeFloat32(arrays: readonly ArrayLike<number>[]): Uint8Array {
  const n = arrays.reduce((s, a) => s + a.length, 0);
  const bytes = new Uint8Array(4 * n);
  const view = new DataView(bytes.buffer);
  let off = 0;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++, off += 4) view.setFloat32(off, a[i], true);
  return bytes;
}

/** `count` little-endian float32 values starting at `byteOffset`. */
export function decodeFloat32(bytes: Uint8Array, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(byteOffset + 4 * i, true);
  return out;
}

/** A manifest for bytes about to be written. */
export const manifestFor = (path: string, bytes: Uint8Array): BinaryManifest => ({ path, byteLength: bytes.byteLength, crc32: crc32(bytes) });

/** Checks a binary file against its manifest: length (truncated / extra bytes) and checksum. */
export function checkBinary(source: string, what: string, m: BinaryManifest, bytes: Uint8Array | undefined): Uint8Array {
  if (!bytes) throw new ModelFormatError(source, `${what} file '${m.path}' is missing.`);
  if (bytes.byteLength < m.byteLength)
    throw new ModelFormatError(
      source,
      `${what} file '${m.path}' is truncated: ${bytes.byteLength} bytes, model.json lists ${m.byteLength}. Save the model again.`,
    );
  if (bytes.byteLength > m.byteLength)
    throw new ModelFormatError(source, `${what} file '${m.path}' has ${bytes.byteLength} bytes, model.json lists ${m.byteLength}: it belongs to another model.json.`);
  const sum = crc32(bytes);
  if (sum !== m.crc32)
    throw new ModelFormatError(source, `${what} file '${m.path}' is corrupted: its CRC-32 is ${sum}, model.json lists ${m.crc32}.`);
  return bytes;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);

function manifest(source: string, where: string, v: unknown): BinaryManifest {
  if (!isObj(v)) throw new ModelFormatError(source, `model.json ${where} is missing or not an object.`);
  if (typeof v.path !== 'string' || !v.path || v.path.length > 255 || /[\\/]/.test(v.path) || v.path.startsWith('.'))
    throw new ModelFormatError(source, `model.json ${where}.path must be a plain file name, got ${quote(v.path)}.`);
  if (!Number.isInteger(v.byteLength) || (v.byteLength as number) < 0)
    throw new ModelFormatError(source, `model.json ${where}.byteLength must be an integer >= 0, got ${quote(v.byteLength)}.`);
  if (typeof v.crc32 !== 'string' || !/^[0-9a-f]{8}$/.test(v.crc32))
    throw new ModelFormatError(source, `model.json ${where}.crc32 must be 8 hex digits, got ${quote(v.crc32)}.`);
  return v as unknown as BinaryManifest;
}

function entries(source: string, where: string, v: unknown): WeightEntry[] {
  if (!Array.isArray(v)) throw new ModelFormatError(source, `model.json ${where} must be an array.`);
  return v.map((e, i) => {
    const name = isObj(e) ? e.name : undefined;
    if (!isObj(e) || typeof name !== 'string' || !isShape(e.shape))
      throw new ModelFormatError(source, `model.json ${where}[${i}] must be { name: string, shape: number[] }, got ${quote(e)}.`);
    return { name, shape: [...(e.shape as number[])] };
  });
}

/** Validates the structure of a parsed model.json (not yet against a model). */
export function parseModelJson(source: string, json: unknown): ModelJson {
  if (!isObj(json)) throw new ModelFormatError(source, 'model.json is not a JSON object.');
  if (deeperThan(json, MAX_JSON_DEPTH))
    throw new ModelFormatError(source, `model.json nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; no model file does. It is damaged or not a model.`);
  if (json.format !== MODEL_FORMAT)
    throw new ModelFormatError(
      source,
      `model.json format is ${quote(json.format)}, wanted '${MODEL_FORMAT}'. ` +
        (json.format === undefined && 'modelTopology' in json ? 'This looks like a tfjs model; it cannot be loaded here.' : ''),
    );
  const model = json.model;
  if (!isObj(model) || (model.className !== 'Sequential' && model.className !== 'Functional'))
    throw new ModelFormatError(source, `model.json model must be { className: 'Sequential', ... }, got ${quote(isObj(model) ? model.className : model)}.`);
  if (!Array.isArray(model.layers) || model.layers.length === 0) throw new ModelFormatError(source, 'model.json model.layers must be a non-empty array.');
  if (model.className === 'Functional') checkGraph(source, model);
  else if (!isSymShape(model.inputShape))
    throw new ModelFormatError(source, `model.json model.inputShape must be an array of positive integers or null, got ${quote(model.inputShape)}.`);
  if (!Number.isSafeInteger(model.seed)) throw new ModelFormatError(source, `model.json model.seed must be an integer, got ${quote(model.seed)}.`);
  const weights = manifest(source, 'weights', json.weights);
  const weightEntries = entries(source, 'weights.entries', (json.weights as Record<string, unknown>).entries);
  const out = json as unknown as ModelJson;
  out.weights = { ...weights, entries: weightEntries };
  const tr = json.training;
  if (tr !== undefined) {
    if (!isObj(tr)) throw new ModelFormatError(source, 'model.json training must be an object.');
    if (!Number.isInteger(tr.epochs) || (tr.epochs as number) < 0) throw new ModelFormatError(source, 'model.json training.epochs must be an integer >= 0.');
    if (!isObj(tr.rng)) throw new ModelFormatError(source, 'model.json training.rng must be an Rng state object.');
    if (tr.optimizer !== undefined) {
      const o = tr.optimizer;
      const m = manifest(source, 'training.optimizer', o);
      const r = o as Record<string, unknown>;
      if (typeof r.name !== 'string') throw new ModelFormatError(source, 'model.json training.optimizer.name must be a string.');
      if (!isObj(r.config)) throw new ModelFormatError(source, 'model.json training.optimizer.config must be an object.');
      if (!Number.isInteger(r.step) || (r.step as number) < 0) throw new ModelFormatError(source, 'model.json training.optimizer.step must be an integer >= 0.');
      const slots = entries(source, 'training.optimizer.slots', r.slots);
      (tr as Record<string, unknown>).optimizer = { ...m, name: r.name, config: r.config, step: r.step, slots };
    }
  }
  return out;
}


const isSymShape = (v: unknown): v is (number | null)[] => Array.isArray(v) && v.every((d) => d === null || (Number.isInteger(d) && d >= 1));

/** Most layer calls a saved graph may list (real models have tens). */
const MAX_NODES = 100_000;

/**
 * A functional model's graph: inputs with names and shapes, nodes naming a layer of the file
 * and reading only inputs and earlier nodes (so no cycle), outputs reading nodes.
 */
function checkGraph(source: string, m: Record<string, unknown>): void {
  const fail = (msg: string): never => {
    throw new ModelFormatError(source, `model.json model.${msg}`);
  };
  const inputs = m.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) fail('inputs must be a non-empty array of { name, shape }.');
  const names = new Set<string>();
  (inputs as unknown[]).forEach((x, i) => {
    if (!isObj(x) || typeof x.name !== 'string' || !x.name || x.name.length > 200 || !isSymShape(x.shape) || x.shape.length === 0)
      fail(`inputs[${i}] must be { name, shape } with a non-empty shape of positive integers or null, got ${quote(x)}.`);
    const r = x as Record<string, unknown>;
    if (r.dtype !== undefined && r.dtype !== 'float32' && r.dtype !== 'int32') fail(`inputs[${i}].dtype must be 'float32' or 'int32'.`);
    if (names.has(r.name as string)) fail(`inputs: the name ${quote(r.name)} appears twice.`);
    names.add(r.name as string);
  });
  const layerNames = new Set((m.layers as unknown[]).map((l) => (isObj(l) && isObj(l.config) ? l.config.name : undefined)));
  const nodes = m.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_NODES) fail(`nodes must be an array of 1 to ${MAX_NODES} layer calls.`);
  const ref = (where: string, r: unknown, before: number) => {
    if (isObj(r) && typeof r.input === 'string' && Object.keys(r).length === 1) {
      if (!names.has(r.input)) fail(`${where}: no input named ${quote(r.input)}.`);
      return;
    }
    if (!isObj(r) || !Number.isInteger(r.node) || !Number.isInteger(r.output) || (r.output as number) < 0 || (r.output as number) > 16)
      fail(`${where} must be { input: name } or { node, output } (integers), got ${quote(r)}.`);
    const n = (r as { node: number }).node;
    if (n < 0 || n >= before) fail(`${where} reads node ${n}; a node reads only earlier nodes (0..${before - 1}).`);
  };
  (nodes as unknown[]).forEach((n, i) => {
    if (!isObj(n) || typeof n.layer !== 'string' || !Array.isArray(n.inputs) || n.inputs.length === 0 || n.inputs.length > 64)
      fail(`nodes[${i}] must be { layer, inputs: [1 to 64 refs], initialState? }, got ${quote(n)}.`);
    const r = n as { layer: string; inputs: unknown[]; initialState?: unknown };
    if (!layerNames.has(r.layer)) fail(`nodes[${i}].layer ${quote(r.layer)} is no layer of the file.`);
    r.inputs.forEach((x, k) => ref(`nodes[${i}].inputs[${k}]`, x, i));
    if (r.initialState !== undefined) {
      if (!Array.isArray(r.initialState) || r.initialState.length > 64) fail(`nodes[${i}].initialState must be an array of refs.`);
      (r.initialState as unknown[]).forEach((x, k) => ref(`nodes[${i}].initialState[${k}]`, x, i));
    }
  });
  const outputs = m.outputs;
  if (!Array.isArray(outputs) || outputs.length === 0 || outputs.length > 64) fail('outputs must be an array of 1 to 64 refs.');
  (outputs as unknown[]).forEach((x, k) => {
    ref(`outputs[${k}]`, x, (nodes as unknown[]).length);
    if (isObj(x) && 'input' in x) fail(`outputs[${k}] is a model input; an output comes from a layer.`);
  });
}
