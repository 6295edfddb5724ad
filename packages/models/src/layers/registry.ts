/**
 * Layer configs (model.json) back to layers: one entry per layer class, checked exhaustively
 * by the type system, so a new layer class without a loader is a compile error.
 */
import { ConfigError, quote } from '@recurrent/core';
import { AdditiveAttention, Attention } from './attention.js';
import { Activation } from './activation.js';
import { Add } from './add.js';
import { Bidirectional } from './bidirectional.js';
import { Concatenate } from './concatenate.js';
import { Dot } from './dot.js';
import { Flatten } from './flatten.js';
import { Permute } from './permute.js';
import { RepeatVector } from './repeat-vector.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import type { Layer, LayerClassName } from './layer.js';
import { Masking } from './masking.js';
import { RecurrentLayer } from './recurrent.js';
import { TimeDistributed } from './time-distributed.js';

type Config = Record<string, unknown>;

/** inputShape + batchSize (as saved) back to the constructor's options. */
function shapeOptions(c: Config): Config {
  const { batchSize, inputShape, ...rest } = c;
  if (batchSize !== undefined && Array.isArray(inputShape)) return { ...rest, batchInputShape: [batchSize, ...inputShape] };
  if (batchSize !== undefined) throw new ConfigError(`layer config: batchSize ${quote(batchSize)} needs an inputShape.`);
  return inputShape === undefined ? rest : { ...rest, inputShape };
}

const LOADERS: { [K in LayerClassName]: (c: Config) => Layer } = {
  SimpleRNN: (c) => new RecurrentLayer('simpleRnn', shapeOptions(c) as never),
  LSTM: (c) => new RecurrentLayer('lstm', shapeOptions(c) as never),
  GRU: (c) => new RecurrentLayer('gru', shapeOptions(c) as never),
  Dense: (c) => new Dense(shapeOptions(c) as never),
  Embedding: (c) => new Embedding(shapeOptions(c) as never),
  Dropout: (c) => new Dropout(shapeOptions(c) as never),
  Masking: (c) => new Masking(shapeOptions(c) as never),
  Bidirectional: (c) => {
    const { layer, ...rest } = shapeOptions(c);
    return new Bidirectional({ ...(rest as object), layer: layerFromJson(layer) as RecurrentLayer });
  },
  TimeDistributed: (c) => {
    const { layer, ...rest } = shapeOptions(c);
    return new TimeDistributed({ ...(rest as object), layer: layerFromJson(layer) });
  },
  Attention: (c) => new Attention(c as never),
  AdditiveAttention: (c) => new AdditiveAttention(c as never),
  Activation: (c) => new Activation(shapeOptions(c) as never),
  Add: (c) => new Add(c as never),
  Concatenate: (c) => new Concatenate(c as never),
  Dot: (c) => new Dot(c as never),
  Flatten: (c) => new Flatten(shapeOptions(c) as never),
  Permute: (c) => new Permute(shapeOptions(c) as never),
  RepeatVector: (c) => new RepeatVector(shapeOptions(c) as never),
};

export const LAYER_CLASSES = Object.keys(LOADERS) as LayerClassName[];

/** `{ className, config }` to a layer. Throws ConfigError for an unknown class or bad options. */
export function layerFromJson(json: unknown): Layer {
  if (typeof json !== 'object' || json === null) throw new ConfigError(`a layer must be { className, config }, got ${quote(json)}.`);
  const { className, config } = json as { className?: unknown; config?: unknown };
  if (typeof className !== 'string' || !Object.hasOwn(LOADERS, className))
    throw new ConfigError(`unknown layer type ${quote(className)}; known types: ${LAYER_CLASSES.join(', ')}.`);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new ConfigError(`layer ${className}: config must be an object, got ${quote(config)}.`);
  return LOADERS[className as LayerClassName](config as Config);
}

export const layerToJson = (layer: Layer): { className: LayerClassName; config: Record<string, unknown> } => ({
  className: layer.className,
  config: layer.getConfig(),
});
