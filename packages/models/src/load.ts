/** loadModel: a saved model from a path, a URL or an IO handler, onto a backend. */
import type { Backend, Engine } from '@recurrent/core';
import type { IOHandler } from './io/handler.js';
import { resolveHandler } from './io/resolve.js';
import { artifactsToModel } from './model/serialize.js';
import type { Sequential } from './model/sequential.js';

export interface LoadOptions {
  backend: Backend | Engine;
}

/**
 * Loads a model saved with model.save. Everything is validated before any weight is uploaded;
 * a missing, truncated, corrupted or mismatched file is a ModelFormatError. When saved with the
 * optimizer, the model comes back compiled with the optimizer state, step count and training
 * Rng, so `fit` continues exactly.
 */
export async function loadModel(source: string | IOHandler, options: LoadOptions): Promise<Sequential> {
  const handler = resolveHandler(source, 'load');
  const artifacts = await handler.load!();
  return artifactsToModel(artifacts, options.backend, handler.description);
}
