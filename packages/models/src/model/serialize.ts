/**
 * A model to saved artifacts and back. Loading validates everything before building anything
 * (format, layer types and options, weight names and shapes, file lengths, checksums, finite
 * values) and allocates only the saved values (no initializer runs), so a bad file fails with
 * a ModelFormatError and leaves nothing allocated.
 */
import { type Backend, ConfigError, type Engine, type OptimizerState, quote, RecurrentError, type RngState } from '@recurrent/core';
import { ModelFormatError } from '../errors.js';
import { decodeFloat32, encodeFloat32, manifestFor, MODEL_FORMAT, type ModelJson, checkBinary } from '../io/format.js';
import type { ModelArtifacts } from '../io/handler.js';
import type { Layer } from '../layers/layer.js';
import { layerFromJson, layerToJson } from '../layers/registry.js';
import { fmt } from '../internal/shape.js';
import { optimizerFromConfig } from './optimizer-config.js';
import { Sequential } from './sequential.js';

export async function modelToArtifacts(model: Sequential, includeOptimizer: boolean): Promise<ModelArtifacts> {
  if (!model.built || !model.inputShape)
    throw new ConfigError('save: the model is not built yet; give the first layer an inputShape or train it first.');
  const ws = await model.readWeights();
  const weights = encodeFloat32(ws.map((w) => w.data));
  const training = model.trainingState();
  const compiled = model.compiledConfig;
  const json: ModelJson = {
    format: MODEL_FORMAT,
    generator: '@recurrent/models',
    model: {
      className: 'Sequential',
      name: model.name,
      seed: model.seed,
      inputShape: [...model.inputShape],
      layers: model.layers.map(layerToJson),
    },
    weights: { ...manifestFor('weights.bin', weights), entries: ws.map((w) => ({ name: w.name, shape: w.shape })) },
    training: {
      epochs: training.epochs,
      rng: training.rng,
      ...(compiled ? { loss: { name: compiled.loss.name, fromLogits: compiled.loss.fromLogits }, metrics: [...compiled.metrics] } : {}),
    },
  };
  let optimizer: Uint8Array | undefined;
  const opt = model.optimizer;
  if (includeOptimizer && opt) {
    const state = await opt.getState();
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

/** Builds a model from artifacts, or throws ModelFormatError saying what is wrong. */
export function artifactsToModel(a: ModelArtifacts, backend: Backend | Engine, source: string): Sequential {
  const fail = (msg: string): never => {
    throw new ModelFormatError(source, msg);
  };
  const json = a.modelJson;
  const m = json.model;
  const layers: Layer[] = m.layers.map((l, i) => {
    try {
      return layerFromJson(l);
    } catch (err) {
      throw new ModelFormatError(source, `model.layers[${i}]: ${(err as Error).message}`);
    }
  });
  // Values by weight name, decoded only after the file checks pass.
  const weights = checkBinary(source, 'weights', json.weights, a.weights);
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
  const model = new Sequential({ backend, seed: m.seed, name: m.name }, []);
  try {
    for (const l of layers) model.add(l);
    model.buildWith(m.inputShape, (name, shape) => {
      const e = offsets.get(name);
      if (!e) fail(`the file has no weight '${name}' ${fmt(shape)} (it has ${quote(entries.map((x) => x.name).join(', ') || 'none', 200)}); the topology and weights do not match.`);
      if (e!.shape.length !== shape.length || e!.shape.some((d, i) => d !== shape[i]))
        fail(`weight '${name}' is ${fmt(e!.shape)} in the file, but the layer needs ${fmt(shape)}.`);
      used.add(name);
      const v = decodeFloat32(weights, e!.offset, shape.reduce((x, y) => x * y, 1));
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) fail(`weight '${name}' holds ${v[bad]} at index ${bad}; a saved model must have finite weights.`);
      return v;
    });
    const extra = entries.filter((e) => !used.has(e.name));
    if (extra.length) fail(`the file has weights no layer uses: ${quote(extra.map((e) => e.name).join(', '), 200)}.`);
    const tr = json.training;
    if (tr) {
      let optState: OptimizerState | undefined;
      const o = tr.optimizer;
      if (o) {
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
        optState = { name: o.name, step: o.step, config: o.config, slots };
      }
      try {
        if (tr.loss) {
          const opt = o ? optimizerFromConfig(o.name, o.config) : undefined;
          if (opt) model.compile({ loss: tr.loss, optimizer: opt, metrics: (tr.metrics ?? []) as never });
        }
        model.restoreTraining({ epochs: tr.epochs, rng: tr.rng as RngState }, optState);
      } catch (err) {
        if (err instanceof ModelFormatError) throw err;
        if (err instanceof RecurrentError) fail(`training state: ${err.message}`);
        throw err;
      }
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
