/**
 * The functional API (tfjs-layers' names): `model({ inputs, outputs, backend, seed })` over a
 * graph made with `input()` and `layer.apply` — several inputs and outputs, shared layers
 * (one layer applied twice: one set of weights, gradients summed), recurrent layers' returned
 * states feeding another recurrent layer's `initialState`. Training, prediction, saving,
 * toBackend and inspect are LayersModel's, as for Sequential.
 *
 * Models built from the same layers share their weights (an encoder model for inference
 * built from a trained encoder-decoder's layers uses the trained weights): they must be on one
 * backend, and disposing one frees the weights of all.
 */
import { ConfigError, ShapeError } from '@recurrent/core';
import type { FunctionalJson, RefJson } from '../io/format.js';
import { type HostTensor, type InputData, toHost } from '../inputs.js';
import { fits, fmt, fmtBatched, type SymShape } from '../internal/shape.js';
import type { Layer } from '../layers/layer.js';
import { layerToJson } from '../layers/registry.js';
import { input, type LayerNode, SymbolicTensor } from '../layers/symbolic.js';
import { type GraphSpec, LayerGraph, type Ref } from './graph.js';
import { LayersModel, type ModelData, type ModelOptions, type Prediction, type PredictOptions } from './layers-model.js';
import type { ModelRecord } from './serialize.js';
import { layerLabel, thousands } from './summary.js';

export interface FunctionalOptions extends ModelOptions {
  /** The model inputs: symbolic tensors from input({ shape }). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model outputs: symbolic tensors from layer.apply. */
  outputs: SymbolicTensor | SymbolicTensor[];
}

type Values = ((name: string, shape: number[]) => ArrayLike<number>) | undefined;

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export class Functional extends LayersModel {
  readonly layers: Layer[];
  /** The model inputs and outputs as given. */
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly #graph: LayerGraph;
  readonly #outputNames: string[];
  readonly #dtypes: ('float32' | 'int32')[];

  constructor(options: FunctionalOptions, values?: Values) {
    super(options, 'model', 'model({ inputs, outputs, backend: createCpuBackend(), seed: 42 })');
    const ins = list(options.inputs);
    const outs = list(options.outputs);
    if (ins.length === 0 || outs.length === 0) throw new ConfigError('model: give at least one input and one output: model({ inputs: x, outputs: y, backend }).');
    for (const t of [...ins, ...outs])
      if (!(t instanceof SymbolicTensor))
        throw new ConfigError(`model: inputs and outputs must be symbolic tensors (input({ shape }), layer.apply(...)), got ${String(t)}.`);
    ins.forEach((t, i) => {
      if (t.source.kind !== 'input') throw new ConfigError(`model: inputs[${i}] ('${t.name}') is the output of a layer; inputs come from input({ shape }).`);
      if (ins.indexOf(t) !== i) throw new ConfigError(`model: input '${t.name}' is listed twice.`);
      if (ins.findIndex((u) => u.name === t.name) !== i) throw new ConfigError(`model: two inputs are named '${t.name}'; give them different names.`);
    });
    const { spec, layers } = collectGraph(ins, outs);
    this.inputs = ins;
    this.outputs = outs;
    this.layers = layers;
    this.#dtypes = ins.map((t) => (t.source as { dtype: 'float32' | 'int32' }).dtype);
    uniqueNames(layers);
    for (const l of layers)
      for (const p of l.params)
        if (p.value.engine !== this.engine)
          throw new ConfigError(
            `model: layer '${l.name}' already has weights on another engine (${p.value.engine.backend.name}); models sharing layers must run on one engine: pass the other model's engine as backend.`,
          );
    this.#graph = new LayerGraph(layers, spec);
    this.#graph.build(this.engine, this.initRng, values);
    const names = outs.map((t) => {
      const s = t.source as { node: LayerNode; index: number };
      return s.index === 0 ? s.node.layer.name : `${s.node.layer.name}_state_${s.index - 1}`;
    });
    this.#outputNames = names.map((n, i) => (names.indexOf(n) === i ? n : `${n}_${i}`));
  }

  protected get graph(): LayerGraph {
    return this.#graph;
  }

  get outputNames(): string[] {
    return [...this.#outputNames];
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.name);
  }

  protected knownOutputShapes(): SymShape[] {
    return this.#graph.spec.outputs.map((r) => this.#graph.shapeOf(r));
  }

  protected outputLayer(i: number): Layer {
    return (this.outputs[i].source as { node: LayerNode }).node.layer;
  }

  protected hostInputs(x: unknown, where: string): HostTensor[] {
    const names = this.inputNames;
    const xs = this.perName(x, names, 'input', where).map((v, i) => toHost(v as InputData, names.length > 1 ? `${where} x['${names[i]}']` : `${where} x`));
    const N = xs[0].shape[0];
    xs.forEach((X, i) => {
      const want = this.#graph.spec.inputs[i].shape;
      const w = names.length > 1 ? `${where} x['${names[i]}']` : `${where} x`;
      if (X.shape.length !== want.length + 1 || !fits(X.shape.slice(1), want))
        throw new ShapeError(w, X.shape, fmtBatched(want), `Input '${names[i]}' is ${fmtBatched(want)} (input({ shape: ${fmt(want)} })).`);
      if (X.shape[0] < 1) throw new ShapeError(w, X.shape, `${fmtBatched(want)} with at least one sample`);
      if (X.shape[0] !== N) throw new ShapeError(w, X.shape, `[${N}, ...]`, `Every input needs the same number of samples; '${names[0]}' has ${N}.`);
    });
    return xs;
  }

  /** The outputs for x (one input: its data; several: a list or an object by input name): one Prediction per output. */
  async predict(x: ModelData, options: PredictOptions = {}): Promise<Prediction | Prediction[]> {
    const r = await this.predictAll(x, options, false);
    return r.outputs.length === 1 ? r.outputs[0] : r.outputs;
  }

  protected summaryHead(): string {
    return `Model: "${this.name}"  inputs ${this.inputs.map((t) => `${t.name} ${fmt([null, ...t.shape])}`).join(', ')}  backend ${this.backend.name}`;
  }

  protected summaryRows(): string[][] {
    const g = this.#graph;
    const refName = (r: Ref) => ('input' in r ? g.spec.inputs[r.input].name : `${g.layers[g.spec.nodes[r.node].layer].name}${r.output ? `[state ${r.output - 1}]` : ''}`);
    const inputs = g.spec.inputs.map((i) => [`${i.name} (InputLayer)`, fmt([null, ...i.shape]), '0', '']);
    const seen = new Set<number>();
    const nodes = g.spec.nodes.map((n, k) => {
      const first = !seen.has(n.layer);
      seen.add(n.layer);
      const l = g.layers[n.layer];
      const shapes = g.shapes[k].map((s) => fmt([null, ...s])).join(', ');
      const from = [...n.inputs.map(refName), ...n.initialState.map((r) => `${refName(r)} (initialState)`)].join(', ');
      return [layerLabel(l), shapes, first ? thousands(l.countParams()) : '0 (shared)', from];
    });
    return [...inputs, ...nodes];
  }

  protected topologyRecord(): Pick<ModelRecord, 'className' | 'topology'> {
    const g = this.#graph;
    const ref = (r: Ref): RefJson => ('input' in r ? { input: g.spec.inputs[r.input].name } : { node: r.node, output: r.output });
    return {
      className: 'Functional',
      topology: {
        layers: this.layers.map(layerToJson),
        inputs: g.spec.inputs.map((i, k) => ({ name: i.name, shape: [...i.shape], dtype: this.#dtypes[k] })),
        nodes: g.spec.nodes.map((n) => ({
          layer: g.layers[n.layer].name,
          inputs: n.inputs.map(ref),
          ...(n.initialState.length ? { initialState: n.initialState.map(ref) } : {}),
        })),
        outputs: g.spec.outputs.map(ref),
      },
    };
  }
}

/** The nodes the outputs depend on (in creation order, so each reads only earlier ones) and their layers. */
function collectGraph(ins: SymbolicTensor[], outs: SymbolicTensor[]): { spec: GraphSpec; layers: Layer[] } {
  const nodes = new Set<LayerNode>();
  const used = new Set<SymbolicTensor>();
  const visiting: SymbolicTensor[] = [...outs];
  const from = new Map<SymbolicTensor, string>();
  for (const o of outs) from.set(o, `output '${o.name}'`);
  while (visiting.length) {
    const t = visiting.pop()!;
    if (t.source.kind === 'input') {
      if (!ins.includes(t))
        throw new ConfigError(
          `model: the graph is disconnected: ${from.get(t) ?? 'an output'} depends on input '${t.name}', which is not in inputs. ` +
            `Add it: model({ inputs: [${[...ins.map((i) => i.name), t.name].join(', ')}], outputs, backend }).`,
        );
      used.add(t);
      continue;
    }
    const n = t.source.node;
    if (nodes.has(n)) continue;
    nodes.add(n);
    for (const x of [...n.inputs, ...n.initialState]) {
      if (!from.has(x)) from.set(x, `'${n.layer.name}'`);
      visiting.push(x);
    }
  }
  for (const i of ins)
    if (!used.has(i)) throw new ConfigError(`model: input '${i.name}' is not reachable from any output; remove it from inputs or use it in a layer that leads to an output.`);
  const ordered = [...nodes].sort((a, b) => a.id - b.id);
  const index = new Map(ordered.map((n, i) => [n, i]));
  const layers: Layer[] = [];
  for (const n of ordered) if (!layers.includes(n.layer)) layers.push(n.layer);
  const ref = (t: SymbolicTensor): Ref => (t.source.kind === 'input' ? { input: ins.indexOf(t) } : { node: index.get(t.source.node)!, output: t.source.index });
  const spec: GraphSpec = {
    inputs: ins.map((t) => ({ name: t.name, shape: t.shape })),
    nodes: ordered.map((n) => ({ layer: layers.indexOf(n.layer), inputs: n.inputs.map(ref), initialState: n.initialState.map(ref) })),
    outputs: outs.map(ref),
  };
  return { spec, layers };
}

/**
 * Distinct layers need distinct names (weights are named after them): a default name is made
 * unique (`dense_1`); a given name, or the name of a layer that already has weights (shared
 * with another model), is kept, and two of those alike are an error.
 */
function uniqueNames(layers: Layer[]): void {
  const fixed = (l: Layer) => l.nameGiven || l.builtOutput !== undefined;
  const taken = new Set<string>();
  for (const l of layers.filter(fixed)) {
    if (taken.has(l.name)) throw new ConfigError(`model: two layers are named '${l.name}'; layer names must be unique.`);
    taken.add(l.name);
  }
  for (const l of layers.filter((x) => !fixed(x))) {
    if (taken.has(l.name)) {
      let k = 1;
      while (taken.has(`${l.name}_${k}`)) k++;
      l.name = `${l.name}_${k}`;
    }
    taken.add(l.name);
  }
}

/** A functional model: `model({ inputs, outputs, backend, seed })` (tfjs-layers' `tf.model`). */
export function model(options: FunctionalOptions): Functional {
  if (!options || typeof options !== 'object') throw new ConfigError('model: pass { inputs, outputs, backend }.');
  return new Functional(options);
}

/** A saved functional model's graph rebuilt on its layers (load.ts), weights from `values`. */
export function functionalFromJson(json: FunctionalJson, layers: Layer[], options: ModelOptions, values: Values, fail: (msg: string) => never): Functional {
  const byName = new Map<string, Layer>();
  for (const l of layers) {
    if (byName.has(l.name)) fail(`two layers are named '${l.name}'.`);
    byName.set(l.name, l);
  }
  const inputs = json.inputs.map((i) => input({ shape: [...i.shape], name: i.name, dtype: i.dtype }));
  const outs: SymbolicTensor[][] = [];
  const resolve = (r: RefJson, where: string): SymbolicTensor => {
    if ('input' in r) return inputs.find((t) => t.name === r.input)!;
    const t = outs[r.node][r.output];
    if (!t) fail(`${where} reads output ${r.output} of node ${r.node}, which has ${outs[r.node].length}.`);
    return t;
  };
  try {
    json.nodes.forEach((n, i) => {
      const layer = byName.get(n.layer)!;
      const xs = n.inputs.map((r, k) => resolve(r, `model.nodes[${i}].inputs[${k}]`));
      const init = (n.initialState ?? []).map((r, k) => resolve(r, `model.nodes[${i}].initialState[${k}]`));
      const y = layer.apply(layer.multiInput ? xs : xs[0], init.length ? { initialState: init } : {});
      outs.push(list(y));
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ShapeError) fail(`the graph does not fit its layers: ${err.message}`);
    throw err;
  }
  const outputs = json.outputs.map((r, k) => resolve(r, `model.outputs[${k}]`));
  const unused = layers.filter((l) => !json.nodes.some((n) => n.layer === l.name));
  if (unused.length) fail(`layers no node calls: ${unused.map((l) => l.name).join(', ')}.`);
  try {
    return new Functional({ ...options, inputs, outputs }, values);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ShapeError) fail(err.message);
    throw err;
  }
}
