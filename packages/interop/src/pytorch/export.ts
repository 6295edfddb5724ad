/**
 * exportPytorch: a model to a self-contained PyTorch folder (model.py, weights.safetensors,
 * train.py, README.md, data.safetensors when training data is given, and the model in our own
 * format under recurrent/ for the way back).
 */
import { Functional, type InputData, type Sequential, toHost } from '@recurrent/models';
import { UnsupportedExportError } from '../plan/errors.js';
import { planGraph, planModel } from '../plan/plan.js';
import { writeSafetensors } from '../safetensors/format.js';
import { modelPy } from './model-py.js';
import { modelPyGraph } from './model-py-graph.js';
import { stateDict } from './names.js';
import { readmeMd } from './readme-md.js';
import { trainConfig } from './train-config.js';
import { trainPy } from './train-py.js';

export interface PytorchFitOptions {
  x: InputData;
  y: InputData;
  /** Default 1. */
  epochs?: number;
  /** The global batch size (split over the processes). Default 32. */
  batchSize?: number;
  /** Default true (torch's generator: the order differs from fit's). */
  shuffle?: boolean;
}

export interface ExportPytorchOptions {
  /** Training data and settings for train.py (written as data.safetensors); without it train.py expects --data. */
  fit?: PytorchFitOptions;
}

export interface ExportPytorchResult {
  dir: string;
  files: string[];
}

/** Writes model.py, weights.safetensors and recurrent/ for a functional model (no train.py / README.md yet). */
async function exportGraph(model: Functional, dir: string, options: ExportPytorchOptions): Promise<ExportPytorchResult> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  if (options.fit)
    throw new UnsupportedExportError('pytorch', undefined, 'fit (train.py and its data) is exported for sequential models only; export the functional model without fit and train it in PyTorch yourself.');
  const plan = await planGraph(model, 'pytorch');
  const files: [string, string | Uint8Array][] = [
    ['model.py', modelPyGraph(plan)],
    ['weights.safetensors', writeSafetensors(stateDict(plan), { format: 'pt' })],
  ];
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of files) await fs.writeFile(path.join(dir, name), content);
  await model.save(path.join(dir, 'recurrent'), { includeOptimizer: false });
  return { dir, files: [...files.map(([n]) => n), 'recurrent/'] };
}

/**
 * Writes the PyTorch folder `dir` for a built model. A functional model gets model.py (its
 * forward takes one argument per model input), weights.safetensors and recurrent/.
 */
export async function exportPytorch(model: Sequential | Functional, dir: string, options: ExportPytorchOptions = {}): Promise<ExportPytorchResult> {
  if (model instanceof Functional) return exportGraph(model, dir, options);
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const plan = await planModel(model, 'pytorch');
  const fit = options.fit;
  let data: Uint8Array | undefined;
  let samples = 0;
  if (fit) {
    const x = toHost(fit.x, 'exportPytorch fit.x');
    const y = toHost(fit.y, 'exportPytorch fit.y');
    if (x.shape[0] !== y.shape[0])
      throw new UnsupportedExportError('pytorch', undefined, `fit.x has ${x.shape[0]} samples but fit.y has ${y.shape[0]}; give one target per sample.`);
    samples = x.shape[0];
    const tensors: [string, { data: ArrayLike<number>; shape: number[]; dtype?: 'F32' | 'U8' }][] = [
      ['x', { data: x.data, shape: x.shape }],
      ['y', { data: y.data, shape: y.shape }],
    ];
    if (x.mask) tensors.push(['mask', { data: x.mask, shape: x.shape.slice(0, 2), dtype: 'U8' }]);
    data = writeSafetensors(tensors);
  }
  const epochs = fit?.epochs ?? 1;
  const batchSize = fit?.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0) throw new UnsupportedExportError('pytorch', undefined, `fit.epochs must be an integer >= 0, got ${epochs}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UnsupportedExportError('pytorch', undefined, `fit.batchSize must be a positive integer, got ${batchSize}.`);
  const train = model.compiledConfig
    ? trainPy(await trainConfig(model, plan, { epochs, batchSize, shuffle: fit?.shuffle ?? true, samples: samples || batchSize }))
    : undefined;
  const files: [string, string | Uint8Array][] = [
    ['model.py', modelPy(plan)],
    ['weights.safetensors', writeSafetensors(stateDict(plan), { format: 'pt' })],
  ];
  if (train) files.push(['train.py', train]);
  if (data) files.push(['data.safetensors', data]);
  files.push(['README.md', readmeMd(plan, { train: !!train, data: !!data })]);
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of files) await fs.writeFile(path.join(dir, name), content);
  await model.save(path.join(dir, 'recurrent'), { includeOptimizer: false });
  return { dir, files: [...files.map(([n]) => n), 'recurrent/'] };
}
