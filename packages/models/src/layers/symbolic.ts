/**
 * The functional API's symbolic tensors (tfjs-layers' names): `input({ shape })` makes one,
 * `layer.apply(x)` records a call of the layer on it and returns its output(s). Nothing is
 * computed: a symbolic tensor knows its shape (without the batch axis) and where it comes
 * from. A call can only use tensors that already exist, so a graph has no cycle by
 * construction; `model({ inputs, outputs })` (model/functional.ts) turns one into a model.
 */
import { ConfigError, quote, ShapeError } from '@recurrent/core';
import { fmt, type SymShape } from '../internal/shape.js';
import type { Layer } from './layer.js';

export interface ApplyOptions {
  /** Initial states of a recurrent layer ([h] or [h, c]; Bidirectional: forward's, then backward's), each [batch, units]. */
  initialState?: SymbolicTensor[];
}

/** A model input, made by `input()`. */
export interface InputSource {
  kind: 'input';
  name: string;
  dtype: 'float32' | 'int32';
}

/** One call of a layer in a graph: `layer.apply(inputs, { initialState })`. */
export interface LayerNode {
  /** Creation order: a node only reads tensors made before it. */
  readonly id: number;
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly initialState: readonly SymbolicTensor[];
  /** [output, ...states]. */
  readonly outputs: readonly SymbolicTensor[];
}

let nextId = 0;

export class SymbolicTensor {
  readonly id = nextId++;
  /** Shape without the batch axis (null: known at run time). */
  readonly shape: SymShape;
  readonly name: string;
  /** Where it comes from: a model input, or output `index` of a node (0 the output, 1.. the states). */
  readonly source: InputSource | { kind: 'node'; node: LayerNode; index: number };

  constructor(shape: SymShape, name: string, source: SymbolicTensor['source']) {
    this.shape = [...shape];
    this.name = name;
    this.source = source;
  }

  /** The same shape with the batch axis, as tfjs prints it: [null, ...]. */
  toString(): string {
    return `SymbolicTensor ${this.name} ${fmt([null, ...this.shape])}`;
  }
}

export interface InputOptions {
  /** Shape without the batch axis; null for a size known at run time: `[null, 8]` (steps, features). */
  shape: (number | null)[];
  name?: string;
  /** 'int32' for integer indices (an embedding's input); values are carried as numbers either way. Default 'float32'. */
  dtype?: 'float32' | 'int32';
}

let inputCount = 0;

/** A model input: `input({ shape: [null, 8] })` is a batch of sequences of 8 features. */
export function input(options: InputOptions): SymbolicTensor {
  if (typeof options !== 'object' || options === null) throw new ConfigError('input: pass { shape }, e.g. input({ shape: [null, 8] }).');
  const { shape, name, dtype = 'float32' } = options;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 1)))
    throw new ConfigError(`input: shape must be a non-empty array of positive integers or null (without the batch axis), got ${quote(shape)}.`);
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 200))
    throw new ConfigError(`input: name must be a non-empty string of at most 200 characters, got ${quote(name)}.`);
  if (dtype !== 'float32' && dtype !== 'int32') throw new ConfigError(`input: dtype must be 'float32' or 'int32', got ${quote(dtype)}.`);
  const n = name ?? `input_${++inputCount}`;
  return new SymbolicTensor(shape, n, { kind: 'input', name: n, dtype });
}

/** The nodes made by each layer's calls (shared layers have several). */
const nodesOf = new WeakMap<Layer, LayerNode[]>();

/** The calls recorded for a layer, in order. */
export const layerNodes = (layer: Layer): readonly LayerNode[] => nodesOf.get(layer) ?? [];

const list = (v: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] => (Array.isArray(v) ? v : [v]);

/** `layer.apply(inputs, options)`: checks and records the call, returns the symbolic output(s). */
export function applyLayer(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions = {}): SymbolicTensor | SymbolicTensor[] {
  const w = `${layer.name}.apply`;
  const xs = list(inputs);
  for (const x of xs)
    if (!(x instanceof SymbolicTensor))
      throw new ConfigError(
        `${w}: expected symbolic tensors from input({ shape }) or another layer's apply, got ${quote(x)}. ` +
          'To run a layer on data, put it in a model (model({ inputs, outputs }) or sequential) and call predict.',
      );
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${w}: options must be { initialState? }.`);
  for (const k of Object.keys(options)) if (k !== 'initialState') throw new ConfigError(`${w}: unknown option ${quote(k)}; known: initialState.`);
  const multi = layer.multiInput;
  if (multi) {
    const { minInputs, maxInputs } = layer as unknown as { minInputs: number; maxInputs: number };
    if (!Array.isArray(inputs) || xs.length < minInputs || xs.length > maxInputs)
      throw new ConfigError(`${w}: takes a list of ${minInputs === maxInputs ? minInputs : `${minInputs} to ${maxInputs}`} inputs, got ${Array.isArray(inputs) ? xs.length : 'one tensor'}; call it as apply([a, b]).`);
  } else if (xs.length !== 1)
    throw new ConfigError(`${w}: takes one input, got ${xs.length}; to combine tensors first use layers.concatenate(), add() or dot().`);
  if (layer.readsIndices && xs[0].source.kind !== 'input')
    throw new ConfigError(`${w}: '${layer.name}' reads integer indices, so its input must be a model input (input({ shape, dtype: 'int32' })), not the output of '${(xs[0].source as { node: LayerNode }).node.layer.name}'.`);
  const declared = layer.inputShape;
  if (!multi && declared && (declared.length !== xs[0].shape.length || declared.some((d, i) => d !== null && xs[0].shape[i] !== null && d !== xs[0].shape[i])))
    throw new ShapeError(
      `${layer.name} (input)`,
      xs[0].shape.map((d) => d ?? -1),
      fmt(declared),
      `'${layer.name}' was given inputShape ${fmt(declared)} but is applied to ${fmt(xs[0].shape)}; drop its inputShape (apply takes the shape from its input) or fix the input.`,
    );
  const init = options.initialState === undefined ? [] : list(options.initialState);
  for (const s of init) if (!(s instanceof SymbolicTensor)) throw new ConfigError(`${w}: initialState must be symbolic tensors (e.g. an encoder's states from apply with returnState), got ${quote(s)}.`);
  const shapes = xs.map((x) => x.shape);
  const out = multi
    ? (layer as unknown as { outputShapeFor(s: SymShape[]): SymShape }).outputShapeFor(shapes)
    : layer.computeOutputShape(shapes[0]);
  const stateShapes = layer.stateShapes();
  if (init.length) {
    if (layer.stateCount === 0)
      throw new ConfigError(`${w}: '${layer.name}' (${layer.className}) takes no initialState; only recurrent layers do.`);
    if (init.length !== layer.stateCount)
      throw new ShapeError(
        `${layer.name} (initialState)`,
        [init.length],
        `${layer.stateCount} state tensor${layer.stateCount > 1 ? 's' : ''}`,
        'An LSTM takes [h, c], SimpleRNN and GRU take [h]; Bidirectional takes the forward states, then the backward ones.',
      );
    init.forEach((s, i) => {
      const want = stateShapes[i];
      if (s.shape.length !== want.length || s.shape.some((d, k) => d !== want[k]))
        throw new ShapeError(
          `${layer.name} (initialState[${i}])`,
          s.shape.map((d) => d ?? -1),
          fmt(want),
          `Each state is [batch, units] with units = ${want[0]}: give the encoder and decoder the same number of units.`,
        );
    });
  }
  const previous = nodesOf.get(layer) ?? [];
  if (previous.length) {
    // A shared layer: the same weights must fit the new input.
    const first = previous[0].inputs.map((x) => x.shape);
    const specs = (s: SymShape[]) =>
      (multi ? (layer as unknown as { weightSpecsFor(s: SymShape[]): { shape: number[] }[] }).weightSpecsFor(s) : layer.weightSpecs(s[0])).map((x) => fmt(x.shape)).join(' ');
    if (specs(first) !== specs(shapes))
      throw new ShapeError(
        `${layer.name} (shared layer input)`,
        shapes[0].map((d) => d ?? -1),
        fmt(first[0]),
        `'${layer.name}' was first applied to ${first.map(fmt).join(', ')}; a layer applied again shares its weights, so its inputs need the same feature sizes. Use a new layer for a different size.`,
      );
  }
  const outputs: SymbolicTensor[] = [];
  const node: LayerNode = { id: nextId++, layer, inputs: xs, initialState: init, outputs };
  const k = previous.length;
  const base = k ? `${layer.name}_${k}` : layer.name;
  outputs.push(new SymbolicTensor(out, base, { kind: 'node', node, index: 0 }));
  if (layer.returnsState) stateShapes.forEach((s, i) => outputs.push(new SymbolicTensor(s, `${base}/state_${i}`, { kind: 'node', node, index: i + 1 })));
  nodesOf.set(layer, [...previous, node]);
  return layer.returnsState ? [...outputs] : outputs[0];
}
