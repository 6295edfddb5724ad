/** Errors of the exporters (PyTorch, ONNX): a model or option the target format cannot express exactly. */
import { ConfigError } from '@recurrent/core';

/** The model uses something the export cannot reproduce exactly. `code` is E_CONFIG. */
export class UnsupportedExportError extends ConfigError {
  /** 'pytorch' or 'onnx'. */
  readonly format: string;
  /** The layer at fault, when one is. */
  readonly layer: string | undefined;
  constructor(format: string, layer: string | undefined, message: string) {
    super(`export ${format}${layer ? ` (layer '${layer}')` : ''}: ${message}`);
    this.format = format;
    this.layer = layer;
  }
}
