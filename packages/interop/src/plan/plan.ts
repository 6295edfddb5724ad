/**
 * A built Sequential model as plain facts for the exporters: the layer stack with the options
 * that change the maths, and each weight's values in our layout (kernel [D, G*H],
 * recurrent_kernel [H, G*H], bias [G*H], recurrent_bias [G*H]; dense kernel [F, U]).
 * TimeDistributed wrappers are unwrapped (dense and dropout act on the last axis at any rank).
 * Options no exporter can reproduce (stateful layers) are refused here, once.
 */
import { type CellKind, GATES, type RecurrentActivation } from '@recurrent/core';
import { Functional, layers, type Sequential } from '@recurrent/models';
import { type CallRef, functionalCalls, nodeOf } from '../functional-graph.js';
import { UnsupportedExportError } from './errors.js';

export type { RecurrentActivation };
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** One direction's weights, row-major, our layout. */
export interface RecurrentWeights {
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias?: Float32Array;
  recurrentBias?: Float32Array;
}

export interface RecurrentPlan {
  type: 'recurrent';
  name: string;
  kind: CellKind;
  inputSize: number;
  units: number;
  /** SimpleRNN: tanh or relu; LSTM/GRU: tanh. */
  activation: 'tanh' | 'relu';
  recurrentActivation: RecurrentActivation;
  useBias: boolean;
  /** Whether a separate recurrent bias is a weight of the layer (else PyTorch's bias_hh is held at zero). */
  recurrentBias: boolean;
  resetAfter: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  /** Set for a Bidirectional layer: how the two directions' outputs merge. */
  merge?: MergeMode;
  dropout: number;
  recurrentDropout: number;
  /** [forward] or [forward, backward]. */
  weights: RecurrentWeights[];
}

export interface DensePlan {
  type: 'dense';
  name: string;
  inputSize: number;
  units: number;
  activation: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
  kernel: Float32Array;
  bias?: Float32Array;
}

export interface EmbeddingPlan {
  type: 'embedding';
  name: string;
  inputDim: number;
  outputDim: number;
  maskZero: boolean;
  table: Float32Array;
}

export interface MaskingPlan {
  type: 'masking';
  name: string;
  maskValue: number;
}

export interface DropoutPlan {
  type: 'dropout';
  name: string;
  rate: number;
}

export type LayerPlan = RecurrentPlan | DensePlan | EmbeddingPlan | MaskingPlan | DropoutPlan;

export interface ModelPlan {
  name: string;
  /** Input shape without the batch axis (null for a size known at run time). */
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  /** Whether the input is integer indices (an Embedding first). */
  indices: boolean;
  layers: LayerPlan[];
}

const f32 = (a: ArrayLike<number>) => (a instanceof Float32Array ? a : Float32Array.from(a));

/** The plans of `model.layers` in order, from the model's weights (read back from its backend). */
async function planLayers(model: Sequential | Functional, format: string): Promise<LayerPlan[]> {
  const values = (await model.getWeights()).map((w) => f32(w.data));
  let next = 0;
  const take = (n: number) => {
    const out = values.slice(next, next + n);
    next += n;
    return out;
  };
  const out: LayerPlan[] = [];
  const add = (layer: layers.Layer, name: string): void => {
    const n = layer.params.length;
    if (layer instanceof layers.TimeDistributed) {
      add(layer.layer, name);
      return;
    }
    if (layer instanceof layers.Dense) {
      const [kernel, bias] = take(n);
      out.push({ type: 'dense', name, inputSize: kernel.length / layer.units, units: layer.units, activation: layer.activation, kernel, bias });
      return;
    }
    if (layer instanceof layers.Embedding) {
      out.push({ type: 'embedding', name, inputDim: layer.inputDim, outputDim: layer.outputDim, maskZero: layer.maskZero, table: take(n)[0] });
      return;
    }
    if (layer instanceof layers.Masking || layer instanceof layers.Dropout) {
      out.push(layer instanceof layers.Masking ? { type: 'masking', name, maskValue: layer.maskValue } : { type: 'dropout', name, rate: layer.rate });
      return;
    }
    const bi = layer instanceof layers.Bidirectional ? layer : undefined;
    const r = bi ? bi.forward : layer;
    if (!(r instanceof layers.RecurrentLayer))
      throw new UnsupportedExportError(format, name, `layer class ${layer.className} has no ${format} mapping.`);
    if (r.stateful)
      throw new UnsupportedExportError(format, name, 'a stateful layer carries its state between predict batches; export a copy built with stateful: false.');
    const dirs = bi ? 2 : 1;
    const per = n / dirs;
    const weights: RecurrentWeights[] = [];
    for (let d = 0; d < dirs; d++) {
      const [kernel, recurrentKernel, ...biases] = take(per);
      weights.push({
        kernel,
        recurrentKernel,
        bias: r.useBias ? biases[0] : undefined,
        recurrentBias: r.recurrentBias ? biases[r.useBias ? 1 : 0] : undefined,
      });
    }
    out.push({
      type: 'recurrent',
      name,
      kind: r.kind,
      inputSize: weights[0].kernel.length / (r.units * GATES[r.kind]),
      units: r.units,
      activation: r.activation,
      recurrentActivation: r.recurrentActivation,
      useBias: r.useBias,
      recurrentBias: r.recurrentBias,
      resetAfter: r.resetAfter,
      returnSequences: r.returnSequences,
      returnState: r.returnState,
      goBackwards: r.goBackwards,
      merge: bi?.mergeMode,
      dropout: r.dropout,
      recurrentDropout: r.recurrentDropout,
      weights,
    });
  };
  for (const l of model.layers) add(l, l.name);
  return out;
}

/** The plan of a built Sequential model (weights read back from its backend). */
export async function planModel(model: Sequential, format: string): Promise<ModelPlan> {
  if ((model as unknown) instanceof Functional)
    throw new UnsupportedExportError(
      format,
      undefined,
      `functional models (model({ inputs, outputs })) are not exported to ${format}${format === 'pytorch' ? '' : ' yet'}; rebuild the model as a sequential, or export it to PyTorch.`,
    );
  if (!model.built || !model.inputShape || !model.outputShape)
    throw new UnsupportedExportError(format, undefined, 'the model is not built; give the first layer an inputShape (or train it) before exporting.');
  const out = await planLayers(model, format);
  return {
    name: model.name,
    inputShape: [...model.inputShape],
    outputShape: [...model.outputShape],
    indices: model.layers[0] instanceof layers.Embedding,
    layers: out,
  };
}

export type PlanRef = CallRef;

export interface GraphPlan {
  name: string;
  inputs: { name: string; shape: (number | null)[]; indices: boolean }[];
  /** One plan per distinct layer. */
  layers: LayerPlan[];
  /** Layer calls in run order: each reads model inputs and earlier nodes. */
  nodes: { layer: number; inputs: PlanRef[]; initialState: PlanRef[] }[];
  outputs: PlanRef[];
}

/**
 * The plan of a functional model: its layers (as for a Sequential) and the calls between them.
 * Layers the exporter cannot run in a graph (merge layers, a Bidirectional layer given initial
 * states) are an UnsupportedExportError naming the layer.
 */
export async function planGraph(model: Functional, format: string): Promise<GraphPlan> {
  const { nodes, ref } = functionalCalls(model);
  const layerPlans = await planLayers(model, format);
  const layerOf = (n: (typeof nodes)[number]) => model.layers.indexOf(n.layer);
  for (const n of nodes) {
    const p = layerPlans[layerOf(n)];
    if (n.initialState.length && !(p.type === 'recurrent' && p.merge === undefined))
      throw new UnsupportedExportError(format, n.layer.name, 'initial states are exported for SimpleRNN / LSTM / GRU layers only (not Bidirectional).');
    if (p.type === 'embedding' && nodeOf(n.inputs[0])) throw new UnsupportedExportError(format, n.layer.name, 'an embedding must read a model input.');
  }
  return {
    name: model.name,
    inputs: model.inputs.map((t) => ({
      name: t.name,
      shape: [...t.shape],
      indices: nodes.some((n) => layerPlans[layerOf(n)].type === 'embedding' && n.inputs[0] === t),
    })),
    layers: layerPlans,
    nodes: nodes.map((n) => ({ layer: layerOf(n), inputs: n.inputs.map(ref), initialState: n.initialState.map(ref) })),
    outputs: model.outputs.map(ref),
  };
}

/** Gates per cell kind (G in G*H). */
export const gatesOf = (kind: RecurrentPlan['kind']): number => GATES[kind];

/** Row-major [rows, cols] -> [cols, rows]. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}
