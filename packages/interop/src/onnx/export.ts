/**
 * exportOnnx: an inference graph (opset 17) for ONNX Runtime and other ONNX engines.
 *
 * Inputs: `x` [batch, time, features] float (int64 indices [batch, time] after an Embedding) and,
 * with `{ sequenceLengths: true }`, `sequence_lens` [batch] int64: the valid steps of post-padded
 * sequences (an initializer-backed default cannot be fed through onnxruntime-node's API, which
 * hides such inputs, so the input is chosen at export instead). Outputs: `y` (what predict
 * returns) and, when the last layer has returnState, `state_0`, `state_1`, ...
 *
 * Recurrent layers use the standard RNN / LSTM / GRU operators: W = kernel^T, R =
 * recurrent_kernel^T with gates reordered to ONNX's (LSTM i,o,f,c; GRU z,r,h), B = [Wb, Rb]
 * (input bias, then the recurrent bias or zeros); GRU linear_before_reset = 1 for resetAfter,
 * 0 (ONNX's default GRU, Cho et al.) otherwise; hard-sigmoid gates as HardSigmoid activations.
 * Steps are skipped as @recurrent/models does, wherever the mask puts them: the valid steps of
 * each row are moved to the front (CumSum + ScatterElements), run with sequence_lens, and put
 * back (GatherElements); masked outputs are zero. Dense is MatMul + Add, Embedding is Gather,
 * Dropout is the identity.
 */
import { GATE_ORDER, HARD_SIGMOID_SLOPE, type RecurrentActivation } from '@recurrent/core';
import type { Sequential } from '@recurrent/models';
import { type DensePlan, gatesOf, type ModelPlan, planModel, type RecurrentPlan, transpose } from '../plan/plan.js';
import { GraphBuilder } from './graph.js';
import { type AttributeValue, encodeModel } from './protobuf.js';

export const ONNX_OPSET = 17;

/** ONNX's gate order in our gate names (ONNX: LSTM i, o, f, c; GRU z, r, h). */
const ONNX_GATE_ORDER: { readonly [K in RecurrentPlan['kind']]: readonly string[] } = {
  simpleRnn: [''],
  lstm: ['i', 'o', 'f', 'g'],
  gru: ['z', 'r', 'n'],
};

/** Our gate blocks (core's GATE_ORDER) -> ONNX's order, as source block indices. */
const onnxGates = (kind: RecurrentPlan['kind']): number[] => ONNX_GATE_ORDER[kind].map((g) => GATE_ORDER[kind].indexOf(g));

/** ONNX HardSigmoid(v) = max(0, min(1, alpha v + beta)): ours with alpha = the slope, beta = 0.5. */
const hardSigmoid = (a: RecurrentActivation) => (a === 'sigmoid' ? undefined : { alpha: HARD_SIGMOID_SLOPE[a], beta: 0.5 });

/** Rows [G*H, cols] with gate blocks of H rows reordered by `order`. */
function reorderRows(a: Float32Array, H: number, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(a.length);
  order.forEach((src, dst) => out.set(a.subarray(src * H * cols, (src + 1) * H * cols), dst * H * cols));
  return out;
}

interface Flow {
  x: string;
  /** bool [B, T] step mask of x (always present for sequences: the input lengths). */
  valid?: string;
}

function recurrent(g: GraphBuilder, l: RecurrentPlan, f: Flow): { flow: Flow; states: string[] } {
  const H = l.units;
  const D = l.inputSize;
  const G = gatesOf(l.kind);
  const order = onnxGates(l.kind);
  const dirs = l.weights.length;
  const W = new Float32Array(dirs * G * H * D);
  const R = new Float32Array(dirs * G * H * H);
  const Bv = new Float32Array(dirs * 2 * G * H);
  l.weights.forEach((w, d) => {
    W.set(reorderRows(transpose(w.kernel, D, G * H), H, D, order), d * G * H * D);
    R.set(reorderRows(transpose(w.recurrentKernel, H, G * H), H, H, order), d * G * H * H);
    if (w.bias) Bv.set(reorderRows(w.bias, H, 1, order), d * 2 * G * H);
    if (w.recurrentBias) Bv.set(reorderRows(w.recurrentBias, H, 1, order), d * 2 * G * H + G * H);
  });
  const p = l.name.replace(/[^A-Za-z0-9_]/g, '_');
  const Wn = g.weight(`${p}.W`, [dirs, G * H, D], W);
  const Rn = g.weight(`${p}.R`, [dirs, G * H, H], R);
  const Bn = g.weight(`${p}.B`, [dirs, 2 * G * H], Bv);

  let x = f.x;
  let valid = f.valid!;
  if (l.goBackwards) {
    const flip = (t: string) => g.one('Slice', [t, g.ints(-1), g.ints(-(2 ** 53)), g.ints(1), g.ints(-1)]);
    x = flip(x);
    valid = flip(valid);
  }
  // Compaction: pos[b, t] = rank of step t among the valid steps (valid), else L + rank among the rest.
  const v64 = g.one('Cast', [valid], { to: 7 });
  const lens = g.one('ReduceSum', [v64, g.ints(1)], { keepdims: 0 });
  const posValid = g.one('Sub', [g.one('CumSum', [v64, g.const('INT64', [], [1])]), g.const('INT64', [], [1])]);
  const inv64 = g.one('Sub', [g.const('INT64', [], [1]), v64]);
  const posInv = g.one('Add', [g.one('Unsqueeze', [lens, g.ints(1)]), g.one('Sub', [g.one('CumSum', [inv64, g.const('INT64', [], [1])]), g.const('INT64', [], [1])])]);
  const pos = g.one('Where', [valid, posValid, posInv]);
  const pos3 = g.one('Unsqueeze', [pos, g.ints(2)]);
  const xc = g.one('ScatterElements', [g.one('ConstantOfShape', [g.one('Shape', [x])]), g.one('Expand', [pos3, g.one('Shape', [x])]), x], { axis: 1 });
  const seq = g.one('Cast', [g.one('Max', [lens, g.const('INT64', [], [1])])], { to: 6 });

  const attrs: Record<string, AttributeValue> = { hidden_size: H, direction: dirs === 2 ? 'bidirectional' : 'forward' };
  const hs = hardSigmoid(l.recurrentActivation);
  const gate = hs ? 'HardSigmoid' : 'Sigmoid';
  if (l.kind === 'simpleRnn') attrs.activations = { strings: Array(dirs).fill(l.activation === 'relu' ? 'Relu' : 'Tanh') };
  if (l.kind === 'gru') attrs.linear_before_reset = l.resetAfter ? 1 : 0;
  if (hs) {
    const per = l.kind === 'lstm' ? [gate, 'Tanh', 'Tanh'] : [gate, 'Tanh'];
    attrs.activations = { strings: Array.from({ length: dirs }, () => per).flat() };
    // Only functions that take alpha/beta consume them, in order (ONNX's wording, ONNX Runtime's
    // reading): one value per HardSigmoid, none for Tanh.
    attrs.activation_alpha = { floats: Array(dirs).fill(hs.alpha) };
    attrs.activation_beta = { floats: Array(dirs).fill(hs.beta) };
  }
  const op = l.kind === 'lstm' ? 'LSTM' : l.kind === 'gru' ? 'GRU' : 'RNN';
  const outs = g.op(op, [g.one('Transpose', [xc], { perm: [1, 0, 2] }), Wn, Rn, Bn, seq], attrs, l.kind === 'lstm' ? 3 : 2);
  // Y [T, dirs, B, H] -> [B, T, dirs*H]; rows with no valid step give zeros (as in predict).
  const nonEmpty = g.one('Cast', [g.one('Greater', [lens, g.const('INT64', [], [0])])], { to: 1 });
  const Y = g.one('Reshape', [g.one('Transpose', [outs[0]], { perm: [2, 0, 1, 3] }), g.ints(0, 0, -1)]);
  const validF = g.one('Cast', [valid], { to: 1 });
  const y = g.one('Mul', [g.one('GatherElements', [Y, g.one('Expand', [pos3, g.one('Shape', [Y])])], { axis: 1 }), g.one('Unsqueeze', [validF, g.ints(2)])]);
  const finals = outs.slice(1).map((s) => g.one('Mul', [s, g.one('Unsqueeze', [nonEmpty, g.ints(0, 2)])]));
  const dirState = (s: string, d: number) => g.one('Gather', [s, g.const('INT64', [], [d])], { axis: 0 });
  const states = [...finals.map((s) => dirState(s, 0)), ...(dirs === 2 ? finals.map((s) => dirState(s, 1)) : [])];
  let out: string;
  if (!l.merge) out = l.returnSequences ? y : states[0];
  else {
    const [a, b] = l.returnSequences
      ? [g.one('Slice', [y, g.ints(0), g.ints(H), g.ints(2)]), g.one('Slice', [y, g.ints(H), g.ints(2 * H), g.ints(2)])]
      : [states[0], states[finals.length]];
    out =
      l.merge === 'concat'
        ? l.returnSequences
          ? y
          : g.one('Concat', [a, b], { axis: -1 })
        : l.merge === 'sum'
          ? g.one('Add', [a, b])
          : l.merge === 'mul'
            ? g.one('Mul', [a, b])
            : g.one('Mul', [g.one('Add', [a, b]), g.const('FLOAT', [], [0.5])]);
  }
  return { flow: { x: out, valid: l.returnSequences ? valid : undefined }, states };
}

function dense(g: GraphBuilder, l: DensePlan, x: string): string {
  const p = l.name.replace(/[^A-Za-z0-9_]/g, '_');
  let z = g.one('MatMul', [x, g.weight(`${p}.kernel`, [l.inputSize, l.units], l.kernel)]);
  if (l.bias) z = g.one('Add', [z, g.weight(`${p}.bias`, [l.units], l.bias)]);
  switch (l.activation) {
    case 'linear':
      return z;
    case 'softmax':
      return g.one('Softmax', [z], { axis: -1 });
    default:
      return g.one(l.activation === 'relu' ? 'Relu' : l.activation === 'sigmoid' ? 'Sigmoid' : 'Tanh', [z]);
  }
}

export interface ExportOnnxOptions {
  /** Add the input `sequence_lens` [batch] (int64): valid steps of post-padded sequences. Default false. */
  sequenceLengths?: boolean;
}

/** The ONNX graph of a plan. */
export function onnxGraph(plan: ModelPlan, options: ExportOnnxOptions = {}): Uint8Array {
  const g = new GraphBuilder(plan.name);
  const seqInput = plan.inputShape.length >= 1 && (plan.indices || plan.inputShape.length === 2);
  const xDims: (number | string)[] = ['batch', ...plan.inputShape.map((d, i) => d ?? (i === 0 ? 'time' : `dim_${i}`))];
  g.inputs.push({ name: 'x', type: plan.indices ? 'INT64' : 'FLOAT', dims: xDims });
  let flow: Flow = { x: 'x' };
  if (seqInput) {
    const T = g.one('Shape', ['x'], { start: 1, end: 2 });
    let lens: string;
    if (options.sequenceLengths) {
      g.inputs.push({ name: 'sequence_lens', type: 'INT64', dims: ['batch'] });
      lens = 'sequence_lens';
    } else lens = g.one('Expand', [T, g.one('Shape', ['x'], { start: 0, end: 1 })]);
    const steps = g.one('Range', [g.const('INT64', [], [0]), g.one('Squeeze', [T, g.ints(0)]), g.const('INT64', [], [1])]);
    flow.valid = g.one('Less', [g.one('Unsqueeze', [steps, g.ints(0)]), g.one('Unsqueeze', [lens, g.ints(1)])]);
  }
  let states: string[] = [];
  for (const l of plan.layers) {
    switch (l.type) {
      case 'embedding': {
        const p = l.name.replace(/[^A-Za-z0-9_]/g, '_');
        let valid = flow.valid;
        if (l.maskZero) {
          const nz = g.one('Not', [g.one('Equal', [flow.x, g.const('INT64', [], [0])])]);
          valid = valid ? g.one('And', [valid, nz]) : nz;
        }
        flow = { x: g.one('Gather', [g.weight(`${p}.embeddings`, [l.inputDim, l.outputDim], l.table), flow.x], { axis: 0 }), valid };
        break;
      }
      case 'masking': {
        const keep = g.one('Cast', [g.one('Not', [g.one('Equal', [flow.x, g.const('FLOAT', [], [l.maskValue])])])], { to: 1 });
        const validF = g.one('ReduceMax', [keep], { axes: [2], keepdims: 0 });
        flow = { x: g.one('Mul', [flow.x, g.one('Unsqueeze', [validF, g.ints(2)])]), valid: g.one('Cast', [validF], { to: 9 }) };
        break;
      }
      case 'dropout':
        break;
      case 'dense':
        flow = { x: dense(g, l, flow.x), valid: flow.valid };
        break;
      case 'recurrent': {
        const r = recurrent(g, l, flow);
        flow = r.flow;
        states = l.returnState ? r.states : [];
        break;
      }
    }
  }
  g.nodes.push({ op: 'Identity', inputs: [flow.x], outputs: ['y'], name: 'output_y' });
  const outDims = ['batch', ...plan.outputShape.map((d, i) => d ?? (i === 0 ? 'time' : `out_${i}`))];
  g.outputs.push({ name: 'y', type: 'FLOAT', dims: outDims });
  states.forEach((s, i) => {
    g.nodes.push({ op: 'Identity', inputs: [s], outputs: [`state_${i}`], name: `output_state_${i}` });
    g.outputs.push({ name: `state_${i}`, type: 'FLOAT', dims: ['batch', (plan.layers[plan.layers.length - 1] as RecurrentPlan).units] });
  });
  return encodeModel(g.finish(), ONNX_OPSET, { name: '@recurrent/interop', version: '0' });
}

/** The model as ONNX bytes (any environment: hand them to onnxruntime-web's InferenceSession.create). */
export async function toOnnx(model: Sequential, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  return onnxGraph(await planModel(model, 'onnx'), options);
}

/** Writes the model as ONNX to `file` (Node); resolves to the bytes written. */
export async function exportOnnx(model: Sequential, file: string, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  const bytes = await toOnnx(model, options);
  const fs = await import('node:fs/promises');
  await fs.writeFile(file, bytes);
  return bytes;
}
