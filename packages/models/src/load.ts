/** loadModel: a saved model from a path, a URL or an IO handler, onto a backend. */
import type { Backend, Engine } from '@recurrent/core';
import { ModelFormatError } from './errors.js';
import { maxJsonBytes, parseModelJson } from './io/format.js';
import type { IOHandler } from './io/handler.js';
import { resolveHandler } from './io/resolve.js';
import { artifactsToModel } from './model/serialize.js';
import type { Sequential } from './model/sequential.js';

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
 */
export async function loadModel(source: string | IOHandler, options: LoadOptions): Promise<Sequential> {
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
