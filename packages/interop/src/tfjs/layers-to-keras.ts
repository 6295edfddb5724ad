/**
 * A Sequential of ours to a tfjs-layers topology (Keras 2 field names, as tfjs-layers 4.22
 * reads them) and its weights in Keras's layout: gates reordered (GRU r, z, n -> z, r, h), the
 * two biases of SimpleRNN / LSTM / reset-before GRU summed into Keras's one (the same outputs),
 * a reset-after GRU's two biases stacked into Keras's [2, 3H].
 */
import { type CellKind, ConfigError } from '@recurrent/core';
import { Functional, type NamedWeight, type Sequential } from '@recurrent/models';
import { type CallRef, functionalCalls } from '../functional-graph.js';
import { oursToKeras } from './gates.js';
import type { Json } from './keras-json.js';

export interface KerasWeightOut {
  name: string;
  shape: number[];
  data: Float32Array;
}

const KIND: Record<string, CellKind> = { SimpleRNN: 'simpleRnn', LSTM: 'lstm', GRU: 'gru' };

/** Our recurrent activation names to Keras's, as tfjs-layers reads them. */
function recurrentActivation(name: unknown, layer: string): string {
  if (name === undefined || name === 'sigmoid') return 'sigmoid';
  if (name === 'hardSigmoidKeras2') return 'hard_sigmoid';
  if (name === 'hardSigmoidKeras3')
    throw new ConfigError(
      `layer '${layer}': recurrentActivation 'hardSigmoidKeras3' (relu6(x + 3) / 6) has no tfjs-layers name: tfjs's 'hard_sigmoid' is Keras 2's clip(0.2 x + 0.5, 0, 1). Use 'sigmoid' or 'hardSigmoidKeras2' for a tfjs model.`,
    );
  throw new ConfigError(`layer '${layer}': recurrentActivation ${JSON.stringify(name)} has no Keras equivalent.`);
}

interface Ctx {
  weights: Map<string, NamedWeight>;
  out: KerasWeightOut[];
}

function take(ctx: Ctx, name: string): NamedWeight {
  const w = ctx.weights.get(name);
  if (!w) throw new ConfigError(`saveTfjsModel: the model has no weight '${name}'.`);
  return w;
}

/** Keras config + Keras weights of one recurrent layer (ours `c`), its weights under `prefix`. */
function recurrent(className: string, c: Json, prefix: string, ctx: Ctx): Json {
  const kind = KIND[className];
  const name = String(c.name);
  const cfg: Json = {
    name,
    trainable: true,
    dtype: 'float32',
    units: c.units,
    activation: c.activation ?? 'tanh',
    use_bias: c.useBias,
    return_sequences: c.returnSequences,
    return_state: c.returnState,
    go_backwards: c.goBackwards,
    stateful: c.stateful,
    unroll: false,
    dropout: c.dropout,
    recurrent_dropout: c.recurrentDropout,
  };
  if (kind !== 'simpleRnn') cfg.recurrent_activation = recurrentActivation(c.recurrentActivation, name);
  if (kind === 'lstm') cfg.unit_forget_bias = c.unitForgetBias;
  if (kind === 'gru') cfg.reset_after = c.resetAfter;
  const k = take(ctx, `${prefix}/kernel`);
  const r = take(ctx, `${prefix}/recurrent_kernel`);
  ctx.out.push({ name: `${prefix}/kernel`, shape: k.shape, data: oursToKeras(kind, k.data, k.shape[0]) });
  ctx.out.push({ name: `${prefix}/recurrent_kernel`, shape: r.shape, data: oursToKeras(kind, r.data, r.shape[0]) });
  if (c.useBias) {
    const b = take(ctx, `${prefix}/bias`);
    const rb = ctx.weights.get(`${prefix}/recurrent_bias`);
    const GH = b.shape[0];
    if (kind === 'gru' && c.resetAfter) {
      const data = new Float32Array(2 * GH);
      data.set(oursToKeras(kind, b.data, 1), 0);
      data.set(oursToKeras(kind, rb!.data, 1), GH);
      ctx.out.push({ name: `${prefix}/bias`, shape: [2, GH], data });
    } else {
      // Keras has one bias: b_ih + b_hh gives the same outputs (for the reset-before GRU too,
      // where b_hn sits outside the reset gate).
      const sum = Float64Array.from(b.data, (v, i) => v + (rb ? rb.data[i] : 0));
      ctx.out.push({ name: `${prefix}/bias`, shape: [GH], data: oursToKeras(kind, sum, 1) });
    }
  }
  return cfg;
}

function dense(c: Json, prefix: string, ctx: Ctx): Json {
  const k = take(ctx, `${prefix}/kernel`);
  ctx.out.push({ name: `${prefix}/kernel`, shape: k.shape, data: Float32Array.from(k.data) });
  if (c.useBias) {
    const b = take(ctx, `${prefix}/bias`);
    ctx.out.push({ name: `${prefix}/bias`, shape: b.shape, data: Float32Array.from(b.data) });
  }
  return { name: c.name, trainable: true, dtype: 'float32', units: c.units, activation: c.activation, use_bias: c.useBias };
}

function layerToKeras(className: string, c: Json, ctx: Ctx): Json {
  const name = String(c.name);
  let config: Json;
  if (className in KIND) config = recurrent(className, c, name, ctx);
  else
    switch (className) {
      case 'Dense':
        config = dense(c, name, ctx);
        break;
      case 'Embedding': {
        const e = take(ctx, `${name}/embeddings`);
        ctx.out.push({ name: `${name}/embeddings`, shape: e.shape, data: Float32Array.from(e.data) });
        config = { name, trainable: true, dtype: 'float32', input_dim: c.inputDim, output_dim: c.outputDim, mask_zero: c.maskZero };
        break;
      }
      case 'Dropout':
        config = { name, trainable: true, dtype: 'float32', rate: c.rate };
        break;
      case 'Masking':
        config = { name, trainable: true, dtype: 'float32', mask_value: c.maskValue };
        break;
      case 'Bidirectional': {
        const inner = c.layer as { className: string; config: Json };
        const forward = recurrent(inner.className, inner.config, `${name}/forward_${inner.config.name}`, ctx);
        recurrent(inner.className, inner.config, `${name}/backward_${inner.config.name}`, ctx);
        config = { name, trainable: true, merge_mode: c.mergeMode, layer: { class_name: inner.className, config: forward } };
        break;
      }
      case 'TimeDistributed': {
        const inner = c.layer as { className: string; config: Json };
        const innerCfg =
          inner.className === 'Dense' ? dense(inner.config, name, ctx) : layerToKeras(inner.className, { ...inner.config }, ctx).config as Json;
        config = { name, trainable: true, layer: { class_name: inner.className, config: innerCfg } };
        break;
      }
      case 'Concatenate':
        config = { name, trainable: true, axis: c.axis };
        break;
      case 'Add':
        config = { name, trainable: true };
        break;
      case 'Dot':
        config = { name, trainable: true, axes: c.axes, normalize: c.normalize };
        break;
      case 'Activation':
        if (c.axis !== undefined && c.axis !== -1)
          throw new ConfigError(`saveTfjsModel: layer '${name}' (Activation) normalises over axis ${String(c.axis)}; a Keras Activation layer has no axis (softmax over the last axis only).`);
        config = { name, trainable: true, activation: c.activation };
        break;
      case 'RepeatVector':
        config = { name, trainable: true, n: c.n };
        break;
      case 'Flatten':
        config = { name, trainable: true };
        break;
      case 'Permute':
        config = { name, trainable: true, dims: c.dims };
        break;
      default:
        throw new ConfigError(`saveTfjsModel: layer '${name}' (${className}) has no Keras mapping.`);
    }
  return { class_name: className, config };
}

// keras_version names the dialect the file is written in: Keras 2 names and meanings, as
// tfjs-layers 4.22 reads them ('hard_sigmoid' = clip(0.2 x + 0.5, 0, 1)).
const HEADER = { keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };

/**
 * A functional model of ours as a tfjs-layers `Model`: an InputLayer per input, each layer with
 * one inbound node per call; a recurrent layer's initial states are extra tensors of its node
 * (how tfjs-layers 4.22 writes `apply(x, { initialState })`).
 */
async function functionalToKeras(model: Functional): Promise<{ topology: Json; weights: KerasWeightOut[] }> {
  const ctx: Ctx = { weights: new Map((await model.getWeights()).map((w) => [w.name, w])), out: [] };
  const { nodes, ref } = functionalCalls(model);
  const callIndex = nodes.map((n, k) => nodes.slice(0, k).filter((m) => m.layer === n.layer).length);
  const entry = (r: CallRef): [string, number, number] =>
    'input' in r ? [model.inputs[r.input].name, 0, 0] : [nodes[r.node].layer.name, callIndex[r.node], r.output];
  const inputs = model.inputs.map((t) => ({
    class_name: 'InputLayer',
    name: t.name,
    config: { name: t.name, batch_input_shape: [null, ...t.shape], dtype: (t.source as { dtype: string }).dtype, sparse: false },
    inbound_nodes: [],
  }));
  const layers = model.layers.map((l) => ({
    ...layerToKeras(l.className, l.getConfig() as Json, ctx),
    name: l.name,
    inbound_nodes: nodes.filter((n) => n.layer === l).map((n) => [...n.inputs, ...n.initialState].map((t) => [...entry(ref(t)), {}])),
  }));
  const config = {
    name: model.name,
    layers: [...inputs, ...layers],
    input_layers: model.inputs.map((t) => entry(ref(t))),
    output_layers: model.outputs.map((t) => entry(ref(t))),
  };
  return { topology: { class_name: 'Model', config, ...HEADER }, weights: ctx.out };
}

/** The tfjs-layers topology and Keras-layout weights of a built model. */
export async function modelToKeras(model: Sequential | Functional): Promise<{ topology: Json; weights: KerasWeightOut[] }> {
  if (model instanceof Functional) return functionalToKeras(model);
  if (!model.built || !model.inputShape)
    throw new ConfigError('saveTfjsModel: the model is not built yet; give the first layer an inputShape or train it first.');
  const ctx: Ctx = { weights: new Map((await model.getWeights()).map((w) => [w.name, w])), out: [] };
  const batchInputShape = [model.layers[0].batchSize ?? null, ...model.inputShape];
  const layers = model.layers.map((l) => layerToKeras(l.className, l.getConfig() as Json, ctx));
  const last = model.layers[model.layers.length - 1] as { returnState?: boolean; className: string; getConfig(): Json };
  const header = HEADER;
  if (!last.returnState) {
    (layers[0].config as Json).batch_input_shape = batchInputShape;
    return { topology: { class_name: 'Sequential', config: { name: model.name, layers }, ...header }, weights: ctx.out };
  }
  // A Sequential of tfjs-layers takes one output per layer: a last layer returning its states
  // is written as the equivalent functional chain with outputs [output, ...states].
  const input = { class_name: 'InputLayer', name: 'input_1', config: { name: 'input_1', batch_input_shape: batchInputShape, dtype: 'float32', sparse: false }, inbound_nodes: [] };
  const chain = layers.map((entry, i) => {
    const from = i === 0 ? 'input_1' : String((layers[i - 1].config as Json).name);
    return { ...entry, name: (entry.config as Json).name, inbound_nodes: [[[from, 0, 0, {}]]] };
  });
  const lastName = String((layers[layers.length - 1].config as Json).name);
  const inner = last.className === 'Bidirectional' ? ((last.getConfig().layer as { className: string }).className) : last.className;
  const states = (inner === 'LSTM' ? 2 : 1) * (last.className === 'Bidirectional' ? 2 : 1);
  const config = {
    name: model.name,
    layers: [input, ...chain],
    input_layers: [['input_1', 0, 0]],
    output_layers: Array.from({ length: 1 + states }, (_, k) => [lastName, 0, k]),
  };
  return {
    topology: { class_name: 'Model', config, ...header },
    weights: ctx.out,
  };
}
