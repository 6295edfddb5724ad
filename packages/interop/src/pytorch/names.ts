/**
 * PyTorch names for our layers and weights: a Python attribute per layer (the layer name made
 * an identifier) and torch.nn's parameter names and layouts under it:
 *   recurrent: weight_ih_l0 [G*H, D] = kernel^T, weight_hh_l0 [G*H, H] = recurrent_kernel^T,
 *              bias_ih_l0 = bias, bias_hh_l0 = recurrent_bias (zeros, frozen, when the layer has
 *              none); the backward direction of a Bidirectional layer adds `_reverse`;
 *   dense: weight [U, F] = kernel^T, bias; embedding: weight [V, E].
 * Gate order needs no change: ours is PyTorch's (LSTM i, f, g, o; GRU r, z, n).
 */
import { gatesOf, type LayerPlan, type ModelPlan, type RecurrentPlan, transpose } from '../plan/plan.js';

const RESERVED = new Set(['training', 'forward', 'run', 'load', 'eval', 'train', 'parameters', 'modules', 'children', 'state_dict', 'to', 'cuda', 'cpu', 'float', 'double', 'half', 'apply', 'type', 'buffers', 'zero_grad']);

/** Python attribute names for the layers, unique, in order. */
export function attributeNames(plan: Pick<ModelPlan, 'layers'>): string[] {
  const used = new Set<string>();
  return plan.layers.map((l) => {
    let base = l.name.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `l_${base}`;
    if (RESERVED.has(base) || base.startsWith('__')) base = `${base}_layer`;
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

export interface TorchTensor {
  data: Float32Array;
  shape: number[];
}

/** Whether a recurrent layer's bias_hh is a zero held fixed (our layer has a single bias). */
export const frozenRecurrentBias = (l: RecurrentPlan): boolean => l.useBias && !l.recurrentBias;

/** The state_dict entries of one layer (names relative to the layer), in torch.nn's order. */
export function layerStateDict(l: LayerPlan): [string, TorchTensor][] {
  switch (l.type) {
    case 'dense':
      return [
        ['weight', { data: transpose(l.kernel, l.inputSize, l.units), shape: [l.units, l.inputSize] }],
        ...(l.bias ? [['bias', { data: l.bias, shape: [l.units] }] as [string, TorchTensor]] : []),
      ];
    case 'embedding':
      return [['weight', { data: l.table, shape: [l.inputDim, l.outputDim] }]];
    case 'masking':
    case 'dropout':
      return [];
    case 'recurrent': {
      const GH = gatesOf(l.kind) * l.units;
      const out: [string, TorchTensor][] = [];
      l.weights.forEach((w, d) => {
        const s = d === 0 ? '' : '_reverse';
        out.push([`weight_ih_l0${s}`, { data: transpose(w.kernel, l.inputSize, GH), shape: [GH, l.inputSize] }]);
        out.push([`weight_hh_l0${s}`, { data: transpose(w.recurrentKernel, l.units, GH), shape: [GH, l.units] }]);
        if (l.useBias) {
          out.push([`bias_ih_l0${s}`, { data: w.bias!, shape: [GH] }]);
          out.push([`bias_hh_l0${s}`, { data: w.recurrentBias ?? new Float32Array(GH), shape: [GH] }]);
        }
      });
      return out;
    }
  }
}

/** The whole state_dict: `<attribute>.<parameter>`. */
export function stateDict(plan: Pick<ModelPlan, 'layers'>): [string, TorchTensor][] {
  const attrs = attributeNames(plan);
  return plan.layers.flatMap((l, i) => layerStateDict(l).map(([k, t]) => [`${attrs[i]}.${k}`, t] as [string, TorchTensor]));
}

/** A name as safe text inside generated Python comments and docstrings (names come from model files). */
export const pyText = (name: string): string => name.replace(/[^A-Za-z0-9_ .,:()-]/g, '_');
