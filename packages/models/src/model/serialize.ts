/**
 * A model as a plain record and back: `recordToArtifacts` writes model.json and the binaries
 * from a record (what `model.toRecord()` returns); `readArtifacts` checks a saved model and
 * turns it into a record a loader builds from (load.ts). Reading validates the file structure,
 * the layer configs, the binaries' lengths and checksums and finite values; weights are checked
 * against the layers when the model is built (`WeightSource.read`), so a bad file fails with a
 * ModelFormatError and leaves nothing allocated. No model class is imported here.
 */
import { type OptimizerState, quote, type RngState } from '@recurrent/core';
import { ModelFormatError } from '../errors.js';
import { checkBinary, decodeFloat32, encodeFloat32, type FunctionalJson, type LayerJson, manifestFor, MODEL_FORMAT, type ModelJson } from '../io/format.js';
import type { ModelArtifacts } from '../io/handler.js';
import type { SymShape } from '../internal/shape.js';
import type { Layer } from '../layers/layer.js';
import { layerFromJson } from '../layers/registry.js';
import { fmt } from '../internal/shape.js';
import type { ResolvedLoss } from './losses.js';
import type { NamedWeight } from './weights.js';

/** A model as plain values. */
export interface ModelRecord {
  className: 'Sequential' | 'Functional';
  name: string;
  seed: number;
  /** Sequential: its input shape and layers; Functional: layers, inputs, nodes, outputs. */
  topology: { inputShape: SymShape; layers: LayerJson[] } | Omit<FunctionalJson, 'className' | 'name' | 'seed'>;
  weights: NamedWeight[];
  training: {
    epochs: number;
    rng: RngState;
    compiled?: { loss: ResolvedLoss | ResolvedLoss[] | Record<string, ResolvedLoss>; metrics: string[] };
    optimizer?: OptimizerState;
  };
}

export function recordToArtifacts(r: ModelRecord): ModelArtifacts {
  const weights = encodeFloat32(r.weights.map((w) => w.data));
  const model =
    r.className === 'Sequential'
      ? { className: 'Sequential' as const, name: r.name, seed: r.seed, ...(r.topology as { inputShape: SymShape; layers: LayerJson[] }) }
      : { className: 'Functional' as const, name: r.name, seed: r.seed, ...(r.topology as Omit<FunctionalJson, 'className' | 'name' | 'seed'>) };
  if (model.className === 'Sequential') model.inputShape = [...model.inputShape];
  const json: ModelJson = {
    format: MODEL_FORMAT,
    generator: '@recurrent/models',
    model: model as ModelJson['model'],
    weights: { ...manifestFor('weights.bin', weights), entries: r.weights.map((w) => ({ name: w.name, shape: w.shape })) },
    training: {
      epochs: r.training.epochs,
      rng: r.training.rng,
      ...(r.training.compiled ? { loss: r.training.compiled.loss, metrics: [...r.training.compiled.metrics] } : {}),
    },
  };
  let optimizer: Uint8Array | undefined;
  const state = r.training.optimizer;
  if (state) {
    const slots = Object.entries(state.slots);
    optimizer = encodeFloat32(slots.map(([, s]) => s.data));
    json.training!.optimizer = {
      ...manifestFor('optimizer.bin', optimizer),
      name: state.name,
      config: state.config,
      step: state.step,
      slots: slots.map(([name, s]) => ({ name, shape: s.shape })),
    };
  }
  return { modelJson: json, weights, optimizer };
}

/** Saved artifacts of anything with `toRecord` (a model). */
export async function modelToArtifacts(model: { toRecord(includeOptimizer: boolean): Promise<ModelRecord> }, includeOptimizer: boolean): Promise<ModelArtifacts> {
  return recordToArtifacts(await model.toRecord(includeOptimizer));
}

/** Saved weights by name, checked against what a layer asks for when the model is built. */
export interface WeightSource {
  /** The saved values of weight `name`, which must have `shape` and be finite. */
  read(name: string, shape: number[]): Float32Array;
  /** Throws when the file has weights no layer read. */
  checkAllUsed(): void;
}

/** What a loader builds a model from. */
export interface LoadedRecord {
  json: ModelJson;
  layers: Layer[];
  weights: WeightSource;
  /** The optimizer state, decoded and checked, when saved with it. */
  optimizer?: OptimizerState;
  fail(msg: string): never;
}

/** Checks saved artifacts and decodes what does not depend on the layers. */
export function readArtifacts(a: ModelArtifacts, source: string): LoadedRecord {
  const fail = (msg: string): never => {
    throw new ModelFormatError(source, msg);
  };
  const json = a.modelJson;
  const layers: Layer[] = json.model.layers.map((l, i) => {
    try {
      return layerFromJson(l);
    } catch (err) {
      throw new ModelFormatError(source, `model.layers[${i}]: ${(err as Error).message}`);
    }
  });
  // Values by weight name, decoded only after the file checks pass.
  const bytes = checkBinary(source, 'weights', json.weights, a.weights);
  const entries = json.weights.entries;
  const need = entries.reduce((n, e) => n + e.shape.reduce((x, y) => x * y, 1), 0);
  if (need * 4 !== json.weights.byteLength)
    fail(`weights manifest lists ${need} values (${need * 4} bytes) but byteLength is ${json.weights.byteLength}.`);
  const offsets = new Map<string, { offset: number; shape: number[] }>();
  let off = 0;
  for (const e of entries) {
    if (offsets.has(e.name)) fail(`weight ${quote(e.name)} appears twice in the manifest.`);
    offsets.set(e.name, { offset: off, shape: e.shape });
    off += 4 * e.shape.reduce((x, y) => x * y, 1);
  }
  const used = new Set<string>();
  const weights: WeightSource = {
    read(name, shape) {
      const e = offsets.get(name);
      if (!e) fail(`the file has no weight '${name}' ${fmt(shape)} (it has ${quote(entries.map((x) => x.name).join(', ') || 'none', 200)}); the topology and weights do not match.`);
      if (e!.shape.length !== shape.length || e!.shape.some((d, i) => d !== shape[i]))
        fail(`weight '${name}' is ${fmt(e!.shape)} in the file, but the layer needs ${fmt(shape)}.`);
      used.add(name);
      const v = decodeFloat32(bytes, e!.offset, shape.reduce((x, y) => x * y, 1));
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) fail(`weight '${name}' holds ${v[bad]} at index ${bad}; a saved model must have finite weights.`);
      return v;
    },
    checkAllUsed() {
      const extra = entries.filter((e) => !used.has(e.name));
      if (extra.length) fail(`the file has weights no layer uses: ${quote(extra.map((e) => e.name).join(', '), 200)}.`);
    },
  };
  return { json, layers, weights, fail, optimizer: undefined };
}

/** The saved optimizer state (after the weights were read: the order of the checks is part of the format's errors). */
export function readOptimizer(a: ModelArtifacts, source: string): OptimizerState | undefined {
  const fail = (msg: string): never => {
    throw new ModelFormatError(source, msg);
  };
  const o = a.modelJson.training?.optimizer;
  if (!o) return undefined;
  const bytes = checkBinary(source, 'optimizer', o, a.optimizer);
  const total = o.slots.reduce((n, s) => n + s.shape.reduce((x, y) => x * y, 1), 0);
  if (total * 4 !== o.byteLength) fail(`optimizer manifest lists ${total} values but byteLength is ${o.byteLength}.`);
  // Slot names come from the file: a prototype-free object, so '__proto__' is just a (wrong) name.
  const slots: OptimizerState['slots'] = Object.create(null);
  let p = 0;
  for (const s of o.slots) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    const v = decodeFloat32(bytes, p, n);
    if (v.some((x) => !Number.isFinite(x))) fail(`optimizer slot ${quote(s.name)} holds a non-finite value.`);
    slots[s.name] = { shape: s.shape, data: Array.from(v) };
    p += 4 * n;
  }
  return { name: o.name, step: o.step, config: o.config, slots };
}
