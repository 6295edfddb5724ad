/**
 * The typed errors of the tfjs / Keras converter. Both subclass the errors callers already
 * catch: a damaged or hostile file is a models `ModelFormatError` (`code: 'E_STATE'`), a layer or
 * option we cannot represent is a core `ConfigError` (`code: 'E_CONFIG'`). Each also carries a
 * `problem` (format errors) or the Keras `className` (unsupported layers) for programs.
 */
import { ConfigError } from '@recurrent/core';
import { ModelFormatError } from '@recurrent/models';

/** What was wrong with a tfjs model file (stable names, for programs). */
export type TfjsProblem =
  | 'json' // model.json is not JSON, or has the wrong structure
  | 'too-large' // model.json or the weights exceed a limit (TfjsLimits)
  | 'too-deep' // JSON nested beyond limits.maxDepth
  | 'forbidden-key' // a __proto__ / constructor / prototype key
  | 'path' // a manifest path that leaves the model's directory (or is not a plain relative path)
  | 'missing-shard' // a shard named in the manifest cannot be read
  | 'byte-size' // shard bytes do not add up to what the manifest's shapes need
  | 'shape' // a weight shape that is not a list of non-negative integers, or does not fit its layer
  | 'dtype' // a weight that is not float32 (or is quantized)
  | 'weights' // weights missing, duplicated, unused or not finite
  | 'source'; // the source itself (IndexedDB / localStorage key absent, HTTP error, Node-only path in a browser)

/** A tfjs / Keras model file that is missing, damaged, inconsistent or hostile. */
export class TfjsFormatError extends ModelFormatError {
  readonly problem: TfjsProblem;
  constructor(source: string, problem: TfjsProblem, message: string) {
    super(source, message);
    this.problem = problem;
  }
}

/** A Keras layer (or model structure) @recurrent/models has no equivalent for. */
export class UnsupportedLayerError extends ConfigError {
  /** The Keras class name, e.g. 'Conv1D', 'Lambda', 'Functional'. */
  readonly className: string;
  constructor(className: string, layerName: string, message: string) {
    super(`layer '${layerName}' (${className}): ${message}`);
    this.className = className;
  }
}
