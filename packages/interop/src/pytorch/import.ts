/**
 * importPytorch: trained weights (a folder from exportPytorch, or a weights.safetensors file)
 * back into a model. The file is validated against the model's expected state_dict (names,
 * shapes, dtypes F32/F64, finite values) before any weight changes.
 */
import type { Backend, Engine } from '@recurrent/core';
import { loadModel, type Sequential } from '@recurrent/models';
import { UnsupportedExportError } from '../plan/errors.js';
import { gatesOf, type LayerPlan, planModel, transpose } from '../plan/plan.js';
import { SafetensorsError } from '../safetensors/errors.js';
import { type DecodedTensor, readSafetensors } from '../safetensors/format.js';
import { readSafetensorsFile } from '../safetensors/file.js';
import { attributeNames, layerStateDict } from './names.js';

export interface ImportPytorchOptions {
  /** Where a model loaded from the folder's recurrent/ runs (needed unless `model` is given). */
  backend?: Backend | Engine;
  /** The model to load the weights into (default: the folder's recurrent/ model). */
  model?: Sequential;
}

/** Our weights (getWeights order) for one layer from its PyTorch tensors. */
function layerWeights(l: LayerPlan, get: (k: string) => DecodedTensor): Float32Array[] {
  const f = (k: string) => Float32Array.from(get(k).data);
  switch (l.type) {
    case 'dense': {
      const w = [transpose(f('weight'), l.units, l.inputSize)];
      if (l.bias) w.push(f('bias'));
      return w;
    }
    case 'embedding':
      return [f('weight')];
    case 'masking':
    case 'dropout':
      return [];
    case 'recurrent': {
      const GH = gatesOf(l.kind) * l.units;
      return l.weights.flatMap((_, d) => {
        const s = d === 0 ? '' : '_reverse';
        const w = [transpose(f(`weight_ih_l0${s}`), GH, l.inputSize), transpose(f(`weight_hh_l0${s}`), GH, l.units)];
        if (l.useBias) {
          const bi = f(`bias_ih_l0${s}`);
          const bh = f(`bias_hh_l0${s}`);
          if (l.recurrentBias) w.push(bi, bh);
          // One bias in our layer: b_ih + b_hh is the same function (b_hh is 0 unless trained elsewhere).
          else w.push(bi.map((v, i) => v + bh[i]));
        }
        return w;
      });
    }
  }
}

/** Loads trained PyTorch weights; resolves to the model holding them. */
export async function importPytorch(source: string, options: ImportPytorchOptions = {}): Promise<Sequential> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const isDir = (await fs.stat(source)).isDirectory();
  const file = isDir ? path.join(source, 'weights.safetensors') : source;
  let model = options.model;
  if (!model) {
    if (!isDir) throw new UnsupportedExportError('pytorch', undefined, `importPytorch('${source}'): a bare safetensors file needs { model } to load into (or pass the exported folder).`);
    if (!options.backend) throw new UnsupportedExportError('pytorch', undefined, 'importPytorch: pass { backend } to load the folder\'s model (or { model }).');
    model = await loadModel(path.join(source, 'recurrent'), { backend: options.backend });
  }
  const plan = await planModel(model, 'pytorch');
  const bytes = await readSafetensorsFile(file);
  const { tensors } = readSafetensors(bytes, file);
  const attrs = attributeNames(plan);
  const expected = new Map<string, number[]>();
  plan.layers.forEach((l, i) => {
    for (const [k, t] of layerStateDict(l)) expected.set(`${attrs[i]}.${k}`, t.shape);
  });
  const fmt = (s: number[]) => `[${s.join(', ')}]`;
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new SafetensorsError(file, 'name', `the model needs '${name}' ${fmt(shape)}, which the file does not have (it has ${[...tensors.keys()].join(', ') || 'nothing'}).`);
    if (t.dtype !== 'F32' && t.dtype !== 'F64') throw new SafetensorsError(file, 'dtype', `'${name}' is ${t.dtype}; weights are F32 or F64.`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new SafetensorsError(file, 'shape', `'${name}' is ${fmt(t.shape)} in the file, but the model needs ${fmt(shape)}.`);
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(file, 'non-finite', `'${name}' holds ${t.data[bad]} at index ${bad}; trained weights must be finite.`);
  }
  const extra = [...tensors.keys()].filter((k) => !expected.has(k));
  if (extra.length) throw new SafetensorsError(file, 'name', `the file has tensors the model does not: ${extra.join(', ')}; it was exported from a different model.`);
  const weights = plan.layers.flatMap((l, i) => layerWeights(l, (k) => tensors.get(`${attrs[i]}.${k}`)!));
  const shapes = (await model.getWeights()).map((w) => w.shape);
  model.setWeights(weights.map((data, i) => ({ data, shape: shapes[i] })));
  return model;
}
