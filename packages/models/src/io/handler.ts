/**
 * Where models are saved to and loaded from. A handler moves the artifacts (model.json and
 * the binary files) and nothing else; encoding and validation are in io/format.ts, so every
 * handler checks a model the same way.
 */
import type { LoadLimits, ModelJson } from './format.js';

/** A saved model in memory: the parsed model.json and its binary files. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  /** The weights: little-endian float32 values, concatenated in manifest order. */
  weights: Uint8Array;
  /** The optimizer slots, same encoding, when saved with the optimizer. */
  optimizer?: Uint8Array;
}

export interface IOHandler {
  /** For messages: 'directory models/names', 'indexeddb://names', ... */
  readonly description: string;
  save?(artifacts: ModelArtifacts): Promise<void>;
  /** Loads the artifacts; a handler that reads model.json as bytes or text refuses one above `limits.maxJsonBytes`. */
  load?(limits?: LoadLimits): Promise<ModelArtifacts>;
}
