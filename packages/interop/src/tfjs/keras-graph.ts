/**
 * A tfjs-layers / Keras 2 functional topology (`Model` / `Functional` with `inbound_nodes`,
 * `input_layers`, `output_layers`) to our functional `model(...)`: each inbound node becomes a
 * `layer.apply`, a shared layer (several inbound nodes) is applied several times, and a
 * recurrent layer's extra inbound tensors are its initial states — tfjs-layers 4.22 writes
 * `decoder.apply(x, { initialState: [h, c] })` as the node
 * `[["x", 0, 0, {}], ["encoder", 0, 1, {}], ["encoder", 0, 2, {}]]`.
 *
 * The file is untrusted: the number of nodes is bounded (limits.maxNodes), every reference is
 * checked, and a node that reads a node not yet built after all others are (a cycle or a
 * missing layer) is a TfjsFormatError naming the layer.
 */
import { ConfigError, ShapeError } from '@recurrent/core';
import { Functional, input, type Layer, type SymbolicTensor } from '@recurrent/models';
import { TfjsFormatError, UnsupportedLayerError } from './errors.js';
import { type Json, type KerasDialect, type KerasLayerJson, batchShapeOf, isJsonObject, layerJson } from './keras-json.js';
import { type Converted, convertLayer, type WeightsOf } from './keras-layers.js';

/** One tensor an inbound node reads: output `tensor` of call `node` of layer `layer`. */
interface InboundRef {
  layer: string;
  node: number;
  tensor: number;
}

interface Call {
  layer: KerasLayerJson;
  /** Which call of the layer this is (its inbound node index). */
  index: number;
  reads: InboundRef[];
}

export interface KerasGraph {
  name: string;
  /** The layers with weights or computation, InputLayers removed, in file order. */
  layers: KerasLayerJson[];
  inputs: KerasLayerJson[];
  calls: Call[];
  inputRefs: InboundRef[];
  outputRefs: InboundRef[];
}

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

function ref(v: unknown, where: string, source: string, layer: string): InboundRef {
  if (
    !Array.isArray(v) ||
    v.length < 3 ||
    v.length > 4 ||
    typeof v[0] !== 'string' ||
    !Number.isSafeInteger(v[1]) ||
    !Number.isSafeInteger(v[2]) ||
    (v[1] as number) < 0 ||
    (v[2] as number) < 0
  )
    throw new TfjsFormatError(
      source,
      'json',
      `layer '${layer}': ${where} must be [layer name, node index, tensor index, {}] (tfjs-layers / Keras 2), got ${JSON.stringify(v)?.slice(0, 200)}. Keras 3 functional graphs load only when they are a plain chain; save the model with tfjs-layers or tf.keras 2.`,
    );
  const kwargs = v[3];
  if (kwargs !== undefined && !(isJsonObject(kwargs) && Object.keys(kwargs).every((k) => k === 'training')))
    throw new UnsupportedLayerError('inbound node', layer, `call arguments ${JSON.stringify(kwargs).slice(0, 200)} are not supported (only the tensors a layer reads and initial states).`);
  return { layer: v[0], node: v[1] as number, tensor: v[2] as number };
}

/** Reads the graph structure of a functional topology (no layers built yet). */
export function kerasGraph(topology: Json, source: string, maxNodes: number): KerasGraph {
  const root = layerJson(topology, 'modelTopology');
  const c = root.config;
  if (!Array.isArray(c.layers)) throw new TfjsFormatError(source, 'json', `modelTopology (${root.className}): config.layers must be a list.`);
  if (c.layers.length > maxNodes)
    throw new TfjsFormatError(source, 'too-large', `the model has ${c.layers.length} layers, more than limits.maxNodes (${maxNodes}); raise it if the file is trusted.`);
  const all = c.layers.map((l, i) => layerJson(l, `modelTopology.config.layers[${i}]`));
  // Inbound nodes refer to a layer by its entry's name (tfjs-layers loops forever on a graph
  // whose entry lacks one), so each entry must have it.
  for (const [i, l] of all.entries())
    if (typeof l.raw.name !== 'string') throw new TfjsFormatError(source, 'json', `modelTopology.config.layers[${i}] ('${l.name}'): a functional model's layer entry needs its name, which inbound nodes refer to.`);
  const names = new Set<string>();
  for (const l of all) {
    if (names.has(l.name)) throw new TfjsFormatError(source, 'json', `two layers are named '${l.name}'.`);
    names.add(l.name);
    if (l.className === 'Sequential' || l.className === 'Model' || l.className === 'Functional')
      throw new UnsupportedLayerError(l.className, l.name, 'nested models are not supported; flatten the model into one functional model before saving.');
  }
  const calls: Call[] = [];
  const inputs: KerasLayerJson[] = [];
  const layers: KerasLayerJson[] = [];
  for (const l of all) {
    const nodes = l.raw.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new TfjsFormatError(source, 'json', `layer '${l.name}': inbound_nodes must be a list.`);
    if (l.className === 'InputLayer') {
      if (nodes.length) throw new TfjsFormatError(source, 'json', `layer '${l.name}' (InputLayer) has inbound nodes.`);
      if (l.config.sparse === true || l.config.ragged === true)
        throw new UnsupportedLayerError('InputLayer', l.name, 'sparse and ragged inputs are not supported; use dense, padded sequences (with Masking).');
      inputs.push(l);
      continue;
    }
    if (nodes.length === 0) throw new TfjsFormatError(source, 'json', `layer '${l.name}' (${l.className}) is called by no node; remove it or save the model again.`);
    layers.push(l);
    nodes.forEach((n, k) => {
      if (calls.length >= maxNodes)
        throw new TfjsFormatError(source, 'too-large', `the model has more than limits.maxNodes (${maxNodes}) layer calls; raise it if the file is trusted.`);
      if (isJsonObject(n))
        throw new UnsupportedLayerError(
          root.className,
          root.name,
          `layer '${l.name}' has a Keras 3 call record; Keras 3 functional graphs load only when they are a plain chain (one input, each layer fed by the previous one). Save the model with tfjs-layers or tf.keras 2, or rebuild it with @recurrent/models' model({ inputs, outputs }).`,
        );
      if (!Array.isArray(n) || n.length === 0 || n.length > 65)
        throw new TfjsFormatError(source, 'json', `layer '${l.name}': inbound_nodes[${k}] must be a list of 1 to 65 tensor references.`);
      const reads = n.map((r, j) => ref(r, `inbound_nodes[${k}][${j}]`, source, l.name));
      for (const r of reads) if (!names.has(r.layer)) throw new TfjsFormatError(source, 'json', `layer '${l.name}' reads '${r.layer}', which is not a layer of the model.`);
      calls.push({ layer: l, index: k, reads });
    });
  }
  const io = (key: 'input_layers' | 'output_layers') => {
    const v = c[key];
    if (!Array.isArray(v) || v.length === 0 || v.length > maxNodes) throw new TfjsFormatError(source, 'json', `modelTopology.config.${key} must be a non-empty list.`);
    return v.map((r, i) => {
      const x = ref(r, `${key}[${i}]`, source, root.name);
      if (!names.has(x.layer)) throw new TfjsFormatError(source, 'json', `${key}[${i}] names '${x.layer}', which is not a layer of the model.`);
      return x;
    });
  };
  const inputRefs = io('input_layers');
  for (const r of inputRefs)
    if (!inputs.some((l) => l.name === r.layer)) throw new TfjsFormatError(source, 'json', `input_layers names '${r.layer}', which is not an InputLayer.`);
  return { name: root.name, layers, inputs, calls, inputRefs, outputRefs: io('output_layers') };
}

/**
 * Builds our functional model from the graph: `convert` gives our layer for a Keras layer (its
 * weights are read through `values` once all are converted). Calls run in dependency order.
 */
export function buildFunctional(
  graph: KerasGraph,
  dialect: KerasDialect,
  peek: (l: KerasLayerJson) => WeightsOf,
  options: { backend: ConstructorParameters<typeof Functional>[0]['backend']; seed?: number },
  /** The weight values, given every layer's conversion. */
  values: (converted: Map<string, Converted>) => (name: string, shape: number[]) => ArrayLike<number>,
  source: string,
): Functional {
  const tensors = new Map<string, SymbolicTensor[]>();
  const key = (layer: string, node: number) => `${layer}\u0000${node}`;
  for (const l of graph.inputs) {
    const shape = batchShapeOf(l);
    if (!shape) throw new TfjsFormatError(source, 'shape', `layer '${l.name}' (InputLayer) has no batch_input_shape.`);
    const dtype = l.config.dtype === 'int32' ? 'int32' : 'float32';
    tensors.set(key(l.name, 0), [input({ shape: shape.slice(1), name: l.name, dtype })]);
  }
  const converted = new Map<string, Converted>();
  const layerOf = (l: KerasLayerJson): Layer => {
    let c = converted.get(l.name);
    if (!c) {
      c = convertLayer(l, dialect, {}, peek(l));
      converted.set(l.name, c);
    }
    return c.layer;
  };
  const tensorOf = (r: InboundRef, who: string): SymbolicTensor | undefined => {
    const outs = tensors.get(key(r.layer, r.node));
    if (!outs) return undefined;
    const t = outs[r.tensor];
    if (!t) throw new TfjsFormatError(source, 'json', `${who} reads output ${r.tensor} of '${r.layer}', which has ${outs.length} (set return_state to get the states).`);
    return t;
  };
  let pending = graph.calls;
  while (pending.length) {
    const waiting: Call[] = [];
    for (const call of pending) {
      const l = call.layer;
      const xs = call.reads.map((r) => tensorOf(r, `layer '${l.name}'`));
      if (xs.some((x) => x === undefined)) {
        waiting.push(call);
        continue;
      }
      const ts = xs as SymbolicTensor[];
      const layer = layerOf(l);
      let y: SymbolicTensor | SymbolicTensor[];
      try {
        if (layer.multiInput) y = layer.apply(ts);
        else if (ts.length === 1) y = layer.apply(ts[0]);
        else if (RECURRENT.has(l.className)) y = layer.apply(ts[0], { initialState: ts.slice(1) });
        else throw new UnsupportedLayerError(l.className, l.name, `it reads ${ts.length} tensors; only merge layers read several and only SimpleRNN / LSTM / GRU take initial states.`);
      } catch (err) {
        if (err instanceof ShapeError || (err instanceof ConfigError && !(err instanceof UnsupportedLayerError)))
          throw new TfjsFormatError(source, 'shape', `layer '${l.name}' (${l.className}): ${err.message}`);
        throw err;
      }
      tensors.set(key(l.name, call.index), Array.isArray(y) ? y : [y]);
    }
    if (waiting.length === pending.length)
      throw new TfjsFormatError(
        source,
        'json',
        `layer '${waiting[0].layer.name}' reads ${waiting[0].reads.map((r) => `'${r.layer}'`).join(', ')}, which never gets computed (a cycle, or a call that does not exist).`,
      );
    pending = waiting;
  }
  const pick = (r: InboundRef, what: string): SymbolicTensor => {
    const t = tensorOf(r, what);
    if (!t) throw new TfjsFormatError(source, 'json', `${what} names call ${r.node} of '${r.layer}', which does not exist.`);
    return t;
  };
  const inputs = graph.inputRefs.map((r, i) => pick(r, `input_layers[${i}]`));
  const outputs = graph.outputRefs.map((r, i) => pick(r, `output_layers[${i}]`));
  try {
    return new Functional({ backend: options.backend, name: graph.name, ...(options.seed !== undefined ? { seed: options.seed } : {}), inputs, outputs }, values(converted));
  } catch (err) {
    if (err instanceof ConfigError && !(err instanceof UnsupportedLayerError) && !(err instanceof TfjsFormatError))
      throw new TfjsFormatError(source, 'json', `the graph does not fit its layers: ${err.message}`);
    throw err;
  }
}
