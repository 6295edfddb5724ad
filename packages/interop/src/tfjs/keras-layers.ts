/**
 * One Keras layer entry to one of our layers, plus how its Keras weights become ours.
 *
 * Options map by name (Keras snake_case to our camelCase) and our layer constructors validate
 * them: anything @recurrent/models cannot run (an LSTM activation other than tanh, a Dense
 * 'selu', ...) is their ConfigError, prefixed here with the Keras layer's name and class.
 * Training-only Keras settings that do not change predictions are not carried over:
 * regularizers, constraints, initializers (weights are loaded, no initializer runs),
 * `unroll`, `implementation`, `seed`.
 *
 * Constraints are checked, though: tfjs-layers applies a layer's constraint to each weight it
 * writes, loading included, so an unknown one is refused rather than ignored. (A seeded
 * mutation test found a file with `kernel_constraint: 'tanh'`, which tfjs-layers resolves to
 * its tanh activation and applies to the loaded kernel: ignoring it would have predicted other
 * values than tfjs-layers with no error.) The four Keras constraints are accepted and not
 * applied: weights trained under MaxNorm, NonNeg, UnitNorm or MinMaxNorm at rate 1 already
 * satisfy them, so re-applying changes nothing (up to tfjs's 1e-7 epsilon). MinMaxNorm with a
 * rate below 1 only moves weights part of the way into its band, so tfjs-layers' re-application
 * would change them: refused.
 */
import { type CellKind, ConfigError, GATES, quote } from '@recurrent/core';
import { type Layer, layers } from '@recurrent/models';
import { kerasToOurs } from './gates.js';
import { type Json, type KerasDialect, type KerasLayerJson, dtypeOf, field, isJsonObject, layerJson } from './keras-json.js';
import { TfjsFormatError, UnsupportedLayerError } from './errors.js';

/** A Keras weight, decoded: role is the last part of its name (kernel, recurrent_kernel, bias, embeddings). */
export interface KerasWeight {
  shape: number[];
  data: Float32Array;
}

/** The Keras weights of one layer by role; `sub` picks a Bidirectional's forward / backward half. */
export type WeightsOf = (sub?: 'forward' | 'backward') => Map<string, KerasWeight>;

/** Our weights (full names, as the model's buildWith asks for them) and their values. */
export type OurWeights = Map<string, KerasWeight>;

export interface Converted {
  layer: Layer;
  /** Our weights from the file's; `source` names the file in errors. */
  weights(of: WeightsOf, source: string): OurWeights;
}

const RECURRENT: Record<string, CellKind> = { SimpleRNN: 'simpleRnn', LSTM: 'lstm', GRU: 'gru' };

export const SUPPORTED = [
  'InputLayer',
  'SimpleRNN',
  'LSTM',
  'GRU',
  'Dense',
  'Embedding',
  'Dropout',
  'Masking',
  'Bidirectional',
  'TimeDistributed',
  'Concatenate',
  'Add',
  'Dot',
  'Activation',
  'RepeatVector',
  'Flatten',
  'Permute',
];

const CUSTOM_CODE = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda']);

export function unsupported(l: KerasLayerJson): UnsupportedLayerError {
  const fix = CUSTOM_CODE.has(l.className)
    ? 'its Python code is not in the file, so it cannot run here. Replace it with built-in layers before saving, or rebuild the model with @recurrent/models layers and copy the other weights with setWeights.'
    : `@recurrent/models has no ${l.className} layer (supported: ${SUPPORTED.join(', ')}). Remove or replace it before saving, or rebuild the model with @recurrent/models layers and copy the supported layers' weights with setWeights.`;
  return new UnsupportedLayerError(l.className, l.name, fix);
}

/**
 * Keras activation names to ours ('hard_sigmoid' depends on the dialect). null is 'linear' in
 * Keras and tfjs-layers alike (an absent field takes the layer's default instead).
 */
function activation(v: unknown, dialect: KerasDialect): unknown {
  if (v === null) return 'linear';
  if (v === 'hard_sigmoid') return dialect === 'keras3' ? 'hardSigmoidKeras3' : 'hardSigmoidKeras2';
  if (isJsonObject(v) && typeof v.class_name === 'string') return v.class_name; // Keras 3 may serialize an object
  return v;
}

/** Builds our layer, naming the Keras layer in any ConfigError. */
function build<T>(l: KerasLayerJson, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof ConfigError && !(err instanceof UnsupportedLayerError))
      throw new ConfigError(`layer '${l.name}' (${l.className}): ${err.message}`);
    throw err;
  }
}

function expectShape(source: string, l: KerasLayerJson, role: string, w: KerasWeight | undefined, want: number[]): KerasWeight {
  if (!w) throw new TfjsFormatError(source, 'weights', `layer '${l.name}' (${l.className}): the file has no '${role}' weight for it.`);
  if (w.shape.length !== want.length || w.shape.some((d, i) => d !== want[i]))
    throw new TfjsFormatError(source, 'shape', `layer '${l.name}' (${l.className}): weight '${role}' is [${w.shape}] in the file, but the layer needs [${want}].`);
  return w;
}

/**
 * The Keras weight constraints, by their name with case and underscores dropped: the class
 * names (MaxNorm), tfjs-layers' identifiers (maxNorm) and Keras's (max_norm) alike.
 */
const CONSTRAINTS = new Set(['maxnorm', 'minmaxnorm', 'nonneg', 'unitnorm']);
const CONSTRAINT_FIELDS = ['kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'embeddings_constraint'];

/** A constraint field is absent, null, or one of the Keras constraints (by name or as { class_name, config }). */
function checkConstraints(l: KerasLayerJson): void {
  for (const f of CONSTRAINT_FIELDS) {
    const v = l.config[f];
    if (v === undefined || v === null) continue;
    const name = typeof v === 'string' ? v : isJsonObject(v) && typeof v.class_name === 'string' && (v.config === undefined || isJsonObject(v.config)) ? v.class_name : undefined;
    const key = name?.replaceAll('_', '').toLowerCase();
    if (key === undefined || !CONSTRAINTS.has(key))
      throw new ConfigError(`layer '${l.name}' (${l.className}): ${f} ${quote(v)} is not a Keras weight constraint (MaxNorm, MinMaxNorm, NonNeg, UnitNorm or null). tfjs-layers would apply it to the loaded weights, so it is refused rather than ignored; fix the file or set it to null.`);
    const rate = isJsonObject(v) && isJsonObject(v.config) ? v.config.rate : undefined;
    if (key === 'minmaxnorm' && rate !== undefined && rate !== null && rate !== 1)
      throw new ConfigError(`layer '${l.name}' (${l.className}): ${f} is MinMaxNorm with rate ${quote(rate)}; tfjs-layers re-applies it to the loaded weights, which moves them unless the rate is 1, and constraints do not run here. Set its rate to 1 or the constraint to null (the saved weights are then used as they are).`);
  }
}

function checkCommon(l: KerasLayerJson): void {
  const dt = dtypeOf(l.config);
  if (dt !== 'float32') throw new ConfigError(`layer '${l.name}' (${l.className}): dtype ${dt} is not supported; save the model in float32.`);
  checkConstraints(l);
}

/** A recurrent Keras layer to ours; `name` overrides the layer name (Bidirectional's inner layer). */
function recurrent(l: KerasLayerJson, dialect: KerasDialect, shapeOpts: Json, name = l.name) {
  const kind = RECURRENT[l.className];
  const c = l.config;
  checkCommon(l);
  if (field(c, 'time_major', false)) throw new ConfigError(`layer '${l.name}' (${l.className}): time_major is not supported; inputs are batch-first.`);
  const units = c.units;
  const useBias = field(c, 'use_bias', true);
  const opts: Json = {
    name,
    units,
    activation: activation(c.activation === undefined ? 'tanh' : c.activation, dialect),
    useBias,
    returnSequences: field(c, 'return_sequences', false),
    returnState: field(c, 'return_state', false),
    goBackwards: field(c, 'go_backwards', false),
    stateful: field(c, 'stateful', false),
    dropout: field(c, 'dropout', 0),
    recurrentDropout: field(c, 'recurrent_dropout', 0),
    ...shapeOpts,
  };
  if (kind !== 'simpleRnn') {
    // No default: tfjs-layers takes hard_sigmoid, Keras sigmoid. Every save writes the field, so
    // a file without it is damaged, and guessing would run the wrong gate function silently.
    if (c.recurrent_activation === undefined)
      throw new ConfigError(`layer '${l.name}' (${l.className}): recurrent_activation is missing, and the engines disagree on its default (tfjs-layers: hard_sigmoid, Keras: sigmoid). Add it to the layer's config ('sigmoid' or 'hard_sigmoid').`);
    opts.recurrentActivation = activation(c.recurrent_activation, dialect);
  }
  if (kind === 'lstm') opts.unitForgetBias = field(c, 'unit_forget_bias', true);
  if (kind === 'gru') opts.resetAfter = field(c, 'reset_after', true); // tf.keras 2 and Keras 3 default; tfjs writes false
  const layer = build(l, () => (kind === 'lstm' ? layers.lstm(opts as never) : kind === 'gru' ? layers.gru(opts as never) : layers.simpleRNN(opts as never)));
  const resetAfter = kind === 'gru' && layer.resetAfter;
  return {
    layer,
    /** Our recurrent weights under `prefix` from the Keras weights `w`. */
    weights(w: Map<string, KerasWeight>, prefix: string, out: OurWeights, source: string): void {
      const H = layer.units;
      const GH = GATES[kind] * H;
      const k = w.get('kernel');
      const D = k?.shape[0] ?? 0;
      const kernel = expectShape(source, l, 'kernel', k, [D, GH]);
      const rec = expectShape(source, l, 'recurrent_kernel', w.get('recurrent_kernel'), [H, GH]);
      out.set(`${prefix}/kernel`, { shape: [D, GH], data: kerasToOurs(kind, kernel.data, D) });
      out.set(`${prefix}/recurrent_kernel`, { shape: [H, GH], data: kerasToOurs(kind, rec.data, H) });
      if (!layer.useBias) return;
      const b = expectShape(source, l, 'bias', w.get('bias'), resetAfter ? [2, GH] : [GH]);
      out.set(`${prefix}/bias`, { shape: [GH], data: kerasToOurs(kind, b.data.subarray(0, GH), 1) });
      if (resetAfter) out.set(`${prefix}/recurrent_bias`, { shape: [GH], data: kerasToOurs(kind, b.data.subarray(GH), 1) });
    },
  };
}

/** Sizes of a GRU bias tell reset_after when the config leaves it out. */
function withResetAfterFromWeights(l: KerasLayerJson, w: Map<string, KerasWeight> | undefined): KerasLayerJson {
  if (l.className !== 'GRU' || l.config.reset_after !== undefined || !w) return l;
  const b = w.get('bias');
  return b ? { ...l, config: { ...l.config, reset_after: b.shape.length === 2 } } : l;
}

function dense(l: KerasLayerJson, shapeOpts: Json) {
  const c = l.config;
  checkCommon(l);
  const layer = build(l, () => layers.dense({ name: l.name, units: c.units, activation: activation(field(c, 'activation', 'linear'), 'keras2'), useBias: field(c, 'use_bias', true), ...shapeOpts } as never));
  return {
    layer,
    weights(w: Map<string, KerasWeight>, prefix: string, out: OurWeights, source: string): void {
      const k = w.get('kernel');
      const F = k?.shape[0] ?? 0;
      out.set(`${prefix}/kernel`, expectShape(source, l, 'kernel', k, [F, layer.units]));
      if (layer.useBias) out.set(`${prefix}/bias`, expectShape(source, l, 'bias', w.get('bias'), [layer.units]));
    },
  };
}

const noWeights = () => new Map<string, KerasWeight>();

/**
 * A non-structural Keras layer to ours. `shapeOpts` is `{ inputShape }` / `{ batchInputShape }`
 * for the first layer, else `{}`; `peek` gives the layer's weights early (GRU reset_after).
 */
export function convertLayer(l: KerasLayerJson, dialect: KerasDialect, shapeOpts: Json, peek: WeightsOf): Converted {
  const c = l.config;
  if (l.className in RECURRENT) {
    const r = recurrent(withResetAfterFromWeights(l, peek()), dialect, shapeOpts);
    return { layer: r.layer, weights: (of, source) => { const out: OurWeights = new Map(); r.weights(of(), l.name, out, source); return out; } };
  }
  switch (l.className) {
    case 'Dense': {
      const d = dense(l, shapeOpts);
      return { layer: d.layer, weights: (of, source) => { const out: OurWeights = new Map(); d.weights(of(), l.name, out, source); return out; } };
    }
    case 'Embedding': {
      checkCommon(l);
      const layer = build(l, () => layers.embedding({ name: l.name, inputDim: c.input_dim, outputDim: c.output_dim, maskZero: field(c, 'mask_zero', false), ...shapeOpts } as never));
      return {
        layer,
        weights: (of, source) => new Map([[`${l.name}/embeddings`, expectShape(source, l, 'embeddings', of().get('embeddings'), [layer.inputDim, layer.outputDim])]]),
      };
    }
    case 'Dropout': {
      if (field(c, 'noise_shape', null) !== null) throw new ConfigError(`layer '${l.name}' (Dropout): noise_shape is not supported; use a plain Dropout.`);
      return { layer: build(l, () => layers.dropout({ name: l.name, rate: c.rate, ...shapeOpts } as never)), weights: noWeights };
    }
    case 'Masking':
      return { layer: build(l, () => layers.masking({ name: l.name, maskValue: field(c, 'mask_value', 0), ...shapeOpts } as never)), weights: noWeights };
    case 'Bidirectional': {
      const inner = layerJson(c.layer, `layer '${l.name}' (Bidirectional).layer`);
      if (!(inner.className in RECURRENT)) throw unsupported({ ...inner, className: `Bidirectional(${inner.className})` });
      if (c.backward_layer !== undefined && c.backward_layer !== null) {
        const back = layerJson(c.backward_layer, `layer '${l.name}' (Bidirectional).backward_layer`);
        const same = (k: string) => JSON.stringify(back.config[k]) === JSON.stringify(inner.config[k]);
        if (back.className !== inner.className || !['units', 'activation', 'recurrent_activation', 'use_bias', 'return_sequences', 'return_state', 'reset_after'].every(same))
          throw new UnsupportedLayerError('Bidirectional', l.name, 'a backward_layer that differs from the forward layer is not supported; @recurrent/models runs a reversed copy of the forward layer.');
      }
      const mergeMode = c.merge_mode === undefined ? 'concat' : c.merge_mode;
      if (mergeMode === null)
        throw new UnsupportedLayerError('Bidirectional', l.name, "merge_mode null (two separate outputs) is not supported in a sequential model; use 'concat', 'sum', 'mul' or 'ave'.");
      const innerName = inner.name.replace(/^forward_/, '');
      const r = recurrent(withResetAfterFromWeights(inner, peek('forward')), dialect, {}, innerName);
      const layer = build(l, () => layers.bidirectional({ name: l.name, layer: r.layer, mergeMode, ...shapeOpts } as never));
      return {
        layer,
        weights: (of, source) => {
          const out: OurWeights = new Map();
          r.weights(of('forward'), `${l.name}/forward_${innerName}`, out, source);
          r.weights(of('backward'), `${l.name}/backward_${innerName}`, out, source);
          return out;
        },
      };
    }
    case 'TimeDistributed': {
      const inner = layerJson(c.layer, `layer '${l.name}' (TimeDistributed).layer`);
      if (inner.className === 'Dense') {
        const d = dense(inner, {});
        const layer = build(l, () => layers.timeDistributed({ name: l.name, layer: d.layer, ...shapeOpts } as never));
        return { layer, weights: (of, source) => { const out: OurWeights = new Map(); d.weights(of(), l.name, out, source); return out; } };
      }
      if (inner.className === 'Dropout') {
        const d = convertLayer(inner, dialect, {}, peek);
        return { layer: build(l, () => layers.timeDistributed({ name: l.name, layer: d.layer, ...shapeOpts } as never)), weights: noWeights };
      }
      throw new UnsupportedLayerError(`TimeDistributed(${inner.className})`, l.name, 'TimeDistributed can wrap Dense or Dropout here.');
    }
    case 'Concatenate':
      return { layer: build(l, () => layers.concatenate({ name: l.name, axis: field(c, 'axis', -1) } as never)), weights: noWeights };
    case 'Add':
      return { layer: build(l, () => layers.add({ name: l.name })), weights: noWeights };
    case 'Dot':
      return { layer: build(l, () => layers.dot({ name: l.name, axes: c.axes, normalize: field(c, 'normalize', false) } as never)), weights: noWeights };
    case 'Activation':
      return { layer: build(l, () => layers.activation({ name: l.name, activation: activation(c.activation, dialect), ...shapeOpts } as never)), weights: noWeights };
    case 'RepeatVector':
      return { layer: build(l, () => layers.repeatVector({ name: l.name, n: c.n, ...shapeOpts } as never)), weights: noWeights };
    case 'Flatten':
      if (field(c, 'data_format', 'channels_last') !== 'channels_last') throw new ConfigError(`layer '${l.name}' (Flatten): data_format must be 'channels_last'.`);
      return { layer: build(l, () => layers.flatten({ name: l.name, ...shapeOpts } as never)), weights: noWeights };
    case 'Permute':
      return { layer: build(l, () => layers.permute({ name: l.name, dims: c.dims, ...shapeOpts } as never)), weights: noWeights };
    default:
      throw unsupported(l);
  }
}
