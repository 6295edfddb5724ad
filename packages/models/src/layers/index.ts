/**
 * Layer factories, named as in tfjs-layers (`layers.lstm({ units: 32 })`), with Keras 3
 * semantics and defaults.
 */
import { AdditiveAttention, Attention, type AttentionOptions } from './attention.js';
import { Activation, type ActivationOptions } from './activation.js';
import { Add, type AddOptions } from './add.js';
import { Bidirectional, type BidirectionalOptions } from './bidirectional.js';
import { Concatenate, type ConcatenateOptions } from './concatenate.js';
import { Dot, type DotOptions } from './dot.js';
import { Flatten, type FlattenOptions } from './flatten.js';
import { Permute, type PermuteOptions } from './permute.js';
import { RepeatVector, type RepeatVectorOptions } from './repeat-vector.js';
import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { Embedding, type EmbeddingOptions } from './embedding.js';
import { Masking, type MaskingOptions } from './masking.js';
import { type GRUOptions, type LSTMOptions, RecurrentLayer, type RecurrentOptions } from './recurrent.js';
import { TimeDistributed, type TimeDistributedOptions } from './time-distributed.js';

/** A fully connected layer on the last axis. */
export const dense = (options: DenseOptions): Dense => new Dense(options);
/** Elman RNN: h' = activation(x W + h U + b). */
export const simpleRNN = (options: RecurrentOptions): RecurrentLayer => new RecurrentLayer('simpleRnn', options);
/** LSTM (gates i, f, g, o). */
export const lstm = (options: LSTMOptions): RecurrentLayer => new RecurrentLayer('lstm', options);
/** GRU (gates r, z, n; resetAfter true by default, as in Keras 3 and PyTorch). */
export const gru = (options: GRUOptions): RecurrentLayer => new RecurrentLayer('gru', options);
/** Integer indices to dense vectors; maskZero makes index 0 padding. */
export const embedding = (options: EmbeddingOptions): Embedding => new Embedding(options);
/** Inverted dropout during training. */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);
/** Marks steps whose features all equal maskValue as padding. */
export const masking = (options: MaskingOptions = {}): Masking => new Masking(options);
/** Runs a recurrent layer forwards and backwards and merges the two. */
export const bidirectional = (options: BidirectionalOptions): Bidirectional => new Bidirectional(options);
/** Applies a per-step layer to every step of a sequence. */
export const timeDistributed = (options: TimeDistributedOptions): TimeDistributed => new TimeDistributed(options);
/** Luong (dot-product) attention of a query sequence over a value sequence, Keras's Attention: apply([query, value]). */
export const attention = (options: AttentionOptions = {}): Attention => new Attention(options);
/** Bahdanau (additive) attention, Keras's AdditiveAttention: apply([query, value]). */
export const additiveAttention = (options: AttentionOptions = {}): AdditiveAttention => new AdditiveAttention(options);

/** [batch, features] -> [batch, n, features]. */
export const repeatVector = (options: RepeatVectorOptions): RepeatVector => new RepeatVector(options);
/** Joins inputs along an axis (functional models: concatenate().apply([a, b])). */
export const concatenate = (options: ConcatenateOptions = {}): Concatenate => new Concatenate(options);
/** Elementwise sum of inputs of one shape (functional models). */
export const add = (options: AddOptions = {}): Add => new Add(options);
/** Per-sample dot product over one axis of each of two inputs (functional models). */
export const dot = (options: DotOptions): Dot => new Dot(options);
/** An activation on its own; softmax over `axis`. */
export const activation = (options: ActivationOptions): Activation => new Activation(options);
/** [batch, ...] -> [batch, product of the rest]. */
export const flatten = (options: FlattenOptions = {}): Flatten => new Flatten(options);
/** Reorders the axes after the batch axis (1-based dims). */
export const permute = (options: PermuteOptions): Permute => new Permute(options);

export { Layer, type LayerClassName } from './layer.js';
export { Activation, type ActivationOptions } from './activation.js';
export { Add, type AddOptions } from './add.js';
export { Concatenate, type ConcatenateOptions } from './concatenate.js';
export { Dot, type DotOptions } from './dot.js';
export { Flatten, type FlattenOptions } from './flatten.js';
export { Permute, type PermuteOptions } from './permute.js';
export { RepeatVector, type RepeatVectorOptions } from './repeat-vector.js';
export { MultiInputLayer } from './multi-input.js';
export { AdditiveAttention, Attention, type AttentionOptions } from './attention.js';
export { Bidirectional, type BidirectionalOptions, type MergeMode } from './bidirectional.js';
export { Dense, type DenseOptions } from './dense.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Masking, type MaskingOptions } from './masking.js';
export { RecurrentLayer, type GRUOptions, type LSTMOptions, type RecurrentOptions } from './recurrent.js';
export { TimeDistributed, type TimeDistributedOptions } from './time-distributed.js';
