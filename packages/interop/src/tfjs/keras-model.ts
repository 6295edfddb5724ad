/**
 * A Keras model topology to a plain list of layers: a `Sequential`, or a functional model
 * (`Model` / `Functional`) that is a plain chain (one input, each layer fed by the one before,
 * one output). Anything else is an UnsupportedLayerError naming what to change.
 */
import { ConfigError } from '@recurrent/core';
import { UnsupportedLayerError } from './errors.js';
import { type Json, type KerasLayerJson, batchShapeOf, isJsonObject, layerJson } from './keras-json.js';

export interface KerasChain {
  name: string;
  /** The layers in order, InputLayer removed. */
  layers: KerasLayerJson[];
  /** The input shape with its batch axis, if the file has one. */
  batchInputShape?: (number | null)[];
}

/** The topology object: model.json's `modelTopology`, or (Keras 3 artifacts) `model_config`. */
export function topologyRoot(modelTopology: unknown): Json {
  if (!isJsonObject(modelTopology)) throw new ConfigError('modelTopology must be a JSON object { class_name, config }.');
  if (isJsonObject(modelTopology.model_config)) return { ...modelTopology.model_config, keras_version: modelTopology.keras_version };
  return modelTopology;
}

export function kerasChain(topology: Json): KerasChain {
  const root = layerJson(topology, 'modelTopology');
  const layersJson = root.config.layers;
  if (!Array.isArray(layersJson)) throw new ConfigError(`modelTopology (${root.className}): config.layers must be a list.`);
  const all = layersJson.map((l, i) => layerJson(l, `modelTopology.config.layers[${i}]`));
  let chain: KerasLayerJson[];
  if (root.className === 'Sequential') chain = all;
  else if (root.className === 'Model' || root.className === 'Functional') chain = functionalChain(root, all);
  else throw new UnsupportedLayerError(root.className, root.name, 'the top level must be a Sequential or a functional Model.');
  for (const l of chain)
    if (l.className === 'Sequential' || l.className === 'Model' || l.className === 'Functional')
      throw new UnsupportedLayerError(l.className, l.name, 'nested models are not supported; flatten the model into one Sequential before saving.');
  let batchInputShape: (number | null)[] | undefined;
  const layers: KerasLayerJson[] = [];
  for (const [i, l] of chain.entries()) {
    if (l.className === 'InputLayer') {
      if (i > 0) throw new UnsupportedLayerError('InputLayer', l.name, 'an InputLayer must come first.');
      if (l.config.sparse === true || l.config.ragged === true)
        throw new UnsupportedLayerError('InputLayer', l.name, 'sparse and ragged inputs are not supported; use dense, padded sequences (with Masking).');
      batchInputShape = batchShapeOf(l);
      continue;
    }
    if (layers.length === 0 && batchInputShape === undefined) {
      batchInputShape = batchShapeOf(l);
      if (!batchInputShape && l.className === 'Embedding' && Number.isSafeInteger(l.config.input_length)) batchInputShape = [null, l.config.input_length as number];
    }
    layers.push(l);
  }
  if (!batchInputShape && root.config.build_input_shape !== undefined && root.config.build_input_shape !== null)
    batchInputShape = batchShapeOf({ ...root, config: { batch_input_shape: root.config.build_input_shape } });
  if (layers.length === 0) throw new ConfigError(`modelTopology (${root.className}): the model has no layers.`);
  return { name: root.name, layers, batchInputShape };
}

/** The names of the layers feeding a functional layer (tfjs / Keras 2 lists, Keras 3 keras_history). */
function inboundNames(l: KerasLayerJson): string[][] {
  const nodes = l.raw.inbound_nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    const names: string[] = [];
    const visit = (v: unknown, depth: number): void => {
      if (depth > 16) return;
      if (Array.isArray(v)) {
        if (typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') names.push(v[0]);
        else for (const x of v) visit(x, depth + 1);
      } else if (isJsonObject(v)) {
        if (Array.isArray(v.keras_history) && typeof v.keras_history[0] === 'string') names.push(v.keras_history[0]);
        else for (const k of Object.keys(v)) visit(v[k], depth + 1);
      }
    };
    visit(node, 0);
    return names;
  });
}

/** Why a functional model is not a plain chain, or its layers in chain order. */
function chainOrWhy(all: KerasLayerJson[]): KerasLayerJson[] | string {
  const byName = new Map(all.map((l) => [l.name, l]));
  const inputs = all.filter((l) => inboundNames(l).every((n) => n.length === 0));
  if (inputs.length !== 1) return `it has ${inputs.length} inputs`;
  const next = new Map<string, string[]>();
  for (const l of all) {
    const nodes = inboundNames(l);
    if (nodes.length > 1) return `layer '${l.name}' is called ${nodes.length} times (shared layer)`;
    const from = nodes[0] ?? [];
    if (from.length > 1) return `layer '${l.name}' takes ${from.length} inputs`;
    if (from.length === 1) {
      if (!byName.has(from[0])) return `layer '${l.name}' is fed by an unknown layer '${from[0]}'`;
      next.set(from[0], [...(next.get(from[0]) ?? []), l.name]);
    }
  }
  const chain = [inputs[0]];
  for (let cur = inputs[0]; ; ) {
    const outs = next.get(cur.name) ?? [];
    if (outs.length > 1) return `layer '${cur.name}' feeds ${outs.length} layers`;
    if (outs.length === 0) break;
    cur = byName.get(outs[0])!;
    chain.push(cur);
  }
  if (chain.length !== all.length) return `${all.length - chain.length} layers are not on the path from the input`;
  return chain;
}

/** A functional model (`Model` / `Functional`) that is not a plain chain: loadTfjsModel builds it as a functional model of ours. */
export function isFunctionalGraph(topology: Json): boolean {
  const root = layerJson(topology, 'modelTopology');
  if (root.className !== 'Model' && root.className !== 'Functional') return false;
  const layersJson = root.config.layers;
  if (!Array.isArray(layersJson)) return false;
  return typeof chainOrWhy(layersJson.map((l, i) => layerJson(l, `modelTopology.config.layers[${i}]`))) === 'string';
}

function functionalChain(root: KerasLayerJson, all: KerasLayerJson[]): KerasLayerJson[] {
  const chain = chainOrWhy(all);
  if (typeof chain === 'string')
    throw new UnsupportedLayerError(
      root.className,
      root.name,
      `${chain}. Only a functional model that is a plain chain (one input, each layer fed by the previous one, one output) maps to a Sequential; rebuild it as a Sequential.`,
    );
  return chain;
}
