/** loadModel: a saved model from a path, a URL or an IO handler, onto a backend. */
import { type Backend, type Engine, RecurrentError, type RngState } from '@recurrent/core';
import { ModelFormatError } from './errors.js';
import { type FunctionalJson, maxJsonBytes, parseModelJson } from './io/format.js';
import type { IOHandler, ModelArtifacts } from './io/handler.js';
import { resolveHandler } from './io/resolve.js';
import { type Functional, functionalFromJson } from './model/functional.js';
import type { LayersModel } from './model/layers-model.js';
import { optimizerFromConfig } from './model/optimizer-config.js';
import { Sequential } from './model/sequential.js';
import { readArtifacts, readOptimizer } from './model/serialize.js';

export interface LoadOptions {
  backend: Backend | Engine;
  /**
   * Largest model.json accepted, in bytes (default 16 MiB, `DEFAULT_MAX_JSON_BYTES`): a larger
   * file is refused with a ModelFormatError before it is read. Model files are untrusted input.
   */
  maxJsonBytes?: number;
  /**
   * false: load the weights (and compile settings) only, for inference: the optimizer file is not
   * read, so a missing or damaged one is no error, and the model comes back uncompiled (training
   * cannot resume exactly). Default true.
   */
  includeOptimizer?: boolean;
}

/**
 * Loads a model saved with model.save. Everything is validated before any weight is uploaded;
 * a missing, truncated, corrupted or mismatched file is a ModelFormatError. When saved with the
 * optimizer, the model comes back compiled with the optimizer state, step count and training
 * Rng, so `fit` continues exactly.
 *
 * The model comes back as saved, a Sequential or a functional model; the type parameter says
 * which one you expect: `loadModel<Functional>('models/seq2seq', { backend })`.
 */
export async function loadModel<M extends Sequential | Functional = Sequential>(source: string | IOHandler, options: LoadOptions): Promise<NoInfer<M>>;
export async function loadModel(source: string | IOHandler, options: LoadOptions): Promise<Sequential | Functional> {
  const handler = resolveHandler(source, 'load');
  const includeOptimizer = options?.includeOptimizer ?? true;
  const limits = { maxJsonBytes: maxJsonBytes(options), includeOptimizer };
  const artifacts = await handler.load!(limits);
  // Handlers validate what they read; a custom handler's model.json is validated here too.
  if (!artifacts || typeof artifacts !== 'object')
    throw new ModelFormatError(handler.description, 'the handler returned no artifacts ({ modelJson, weights, optimizer? }).');
  const modelJson = parseModelJson(handler.description, artifacts.modelJson);
  if (!includeOptimizer) {
    if (modelJson.training) delete modelJson.training.optimizer;
    return artifactsToModel({ modelJson, weights: artifacts.weights }, options.backend, handler.description);
  }
  return artifactsToModel({ ...artifacts, modelJson }, options.backend, handler.description);
}

/**
 * Builds a model (Sequential or Functional, as saved) from checked artifacts, or throws
 * ModelFormatError saying what is wrong. Nothing stays allocated after an error.
 */
export function artifactsToModel(a: ModelArtifacts, backend: Backend | Engine, source: string): Sequential | Functional {
  const r = readArtifacts(a, source);
  const m = r.json.model;
  const seed = m.seed;
  let model: LayersModel | undefined;
  try {
    if (m.className === 'Functional') model = functionalFromJson(m as FunctionalJson, r.layers, { backend, seed, name: m.name }, (n, s) => r.weights.read(n, s), r.fail);
    else {
      const s = new Sequential({ backend, seed, name: m.name }, []);
      model = s;
      for (const l of r.layers) s.add(l);
      s.buildWith(m.inputShape, (n, shape) => r.weights.read(n, shape));
    }
    r.weights.checkAllUsed();
    const tr = r.json.training;
    if (tr) {
      const optState = readOptimizer(a, source);
      try {
        if (tr.loss) {
          const opt = tr.optimizer ? optimizerFromConfig(tr.optimizer.name, tr.optimizer.config) : undefined;
          if (opt) model.compile({ loss: tr.loss, optimizer: opt, metrics: (tr.metrics ?? []) as never });
        }
        model.restoreTraining({ epochs: tr.epochs, rng: tr.rng as RngState }, optState);
      } catch (err) {
        if (err instanceof ModelFormatError) throw err;
        if (err instanceof RecurrentError) r.fail(`training state: ${err.message}`);
        throw err;
      }
    }
  } catch (err) {
    model?.dispose();
    throw err;
  }
  return model as Sequential | Functional;
}
