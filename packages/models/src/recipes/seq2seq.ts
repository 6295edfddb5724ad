/**
 * A recipe: the token-to-token encoder-decoder with Luong attention, and the inference models
 * made from its trained layers (the CLI's g2p example and the playground's g2p task both use
 * it). It lives here, once, because it is only layer composition with the functional API
 * (`input`, `layer.apply`, `model`) and the library's decoders; the cell maths stays in core.
 *
 * Training (teacher forcing): source tokens (0 = padding) pass an embedding and the encoder (a
 * recurrent layer with returnSequences + returnState); the decoder reads the previous target
 * tokens (START, t1, ..., tn), starting from the encoder's final states; Luong attention of each
 * decoder step over the encoder's outputs gives a context, and
 * tanh(Dense([context; decoder output])) -> Dense(softmax) the next token (t1, ..., tn, END).
 * The attention layer returns its weights too (`returnAttentionScores`), so the attention of any
 * decoded sequence can be read from the model's own layer (`attention` below).
 *
 * Inference: the same layer objects applied to new inputs (weights shared): `encoder` maps the
 * source to [outputs, ...states]; `step` maps [previous token [N, 1], encoder outputs, ...states]
 * to [P(next) [N, 1, V], ...new states] for `modelStep(step, { constants: 1 })`; `attention` maps
 * [source, previous tokens] to the attention weights [N, steps, source steps].
 */
import { type Backend, ConfigError, type Engine } from '@recurrent/core';
import { beamSearch } from '../decode/beam.js';
import { greedyDecode } from '../decode/greedy.js';
import { modelStep } from '../decode/model-step.js';
import type { HostStates, Hypothesis } from '../decode/step.js';
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import { input, type SymbolicTensor } from '../layers/symbolic.js';
import { Functional, model } from '../model/functional.js';
import type { LayersModel } from '../model/layers-model.js';

export type Seq2seqCell = 'simpleRnn' | 'lstm' | 'gru';

export interface Seq2seqShape {
  cell: Seq2seqCell;
  /** Units of the encoder, the decoder and the attentional layer. */
  units: number;
  /** Size of the source and target embeddings. */
  embedding: number;
  /** Source vocabulary (0 = padding). */
  sourceTokens: number;
  /** Target vocabulary (0 = padding; the start and end tokens are the caller's). */
  targetTokens: number;
}

export interface Seq2seqOptions extends Seq2seqShape {
  backend: Backend | Engine;
  seed?: number;
}

/** Layer names the inference recipe finds the trained layers by. */
export const SEQ2SEQ_LAYERS = {
  source: 'letter_embedding',
  encoder: 'encoder',
  target: 'phoneme_embedding',
  decoder: 'decoder',
  attention: 'attention',
  concat: 'context_and_output',
  attentional: 'attentional',
  output: 'next_phoneme',
} as const;
const N = SEQ2SEQ_LAYERS;

const asList = (y: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] => (Array.isArray(y) ? y : [y]);

const RECURRENT = { simpleRnn: layers.simpleRNN, lstm: layers.lstm, gru: layers.gru } as const;

/** The decoder half on symbolic tensors: [P(next), attention weights (or undefined), ...states]. */
function decode(get: (name: string) => Layer, previous: SymbolicTensor, encoded: SymbolicTensor, states: SymbolicTensor[]) {
  const [out, ...next] = asList(get(N.decoder).apply(get(N.target).apply(previous), { initialState: states }));
  const [context, weights] = asList(get(N.attention).apply([out, encoded]));
  const both = get(N.concat).apply([context, out]) as SymbolicTensor;
  const probs = get(N.output).apply(get(N.attentional).apply(both) as SymbolicTensor) as SymbolicTensor;
  return { probs, weights: weights as SymbolicTensor | undefined, states: next };
}

function checkShape(o: Seq2seqShape): void {
  if (!(o.cell in RECURRENT)) throw new ConfigError(`seq2seq: cell must be 'simpleRnn', 'lstm' or 'gru', got ${String(o.cell)}.`);
  for (const k of ['units', 'embedding', 'sourceTokens', 'targetTokens'] as const)
    if (!Number.isSafeInteger(o[k]) || o[k] < 1) throw new ConfigError(`seq2seq: ${k} must be a positive integer, got ${String(o[k])}.`);
}

/** The training model: inputs [source [N, S], previous targets [N, T]], output P(next target) [N, T, targetTokens]. */
export function seq2seq(o: Seq2seqOptions): Functional {
  checkShape(o);
  const rnn = RECURRENT[o.cell];
  const made = new Map<string, Layer>([
    [N.source, layers.embedding({ inputDim: o.sourceTokens, outputDim: o.embedding, maskZero: true, name: N.source })],
    [N.encoder, rnn({ units: o.units, inputShape: [null, o.embedding], returnSequences: true, returnState: true, name: N.encoder })],
    [N.target, layers.embedding({ inputDim: o.targetTokens, outputDim: o.embedding, maskZero: true, name: N.target })],
    [N.decoder, rnn({ units: o.units, inputShape: [null, o.embedding], returnSequences: true, returnState: true, name: N.decoder })],
    [N.attention, layers.attention({ name: N.attention, returnAttentionScores: true })],
    [N.concat, layers.concatenate({ name: N.concat })],
    [N.attentional, layers.dense({ units: o.units, activation: 'tanh', name: N.attentional })],
    [N.output, layers.dense({ units: o.targetTokens, activation: 'softmax', name: N.output })],
  ]);
  const get = (name: string) => made.get(name)!;
  const source = input({ shape: [null], dtype: 'int32', name: 'letters' });
  const previous = input({ shape: [null], dtype: 'int32', name: 'previous_phonemes' });
  const [encoded, ...states] = asList(get(N.encoder).apply(get(N.source).apply(source)));
  const { probs } = decode(get, previous, encoded, states);
  return model({ inputs: [source, previous], outputs: probs, backend: o.backend, seed: o.seed });
}

type Described = Layer & { units?: number; activation?: string; kind?: string; inputDim?: number; outputDim?: number; maskZero?: boolean; returnAttentionScores?: boolean; useScale?: boolean; returnSequences?: boolean; returnState?: boolean };

/**
 * The shape of a (loaded) model built by `seq2seq`, or why it is not one: the named layers of the
 * right classes and settings, two inputs and one output. A file from elsewhere is checked with
 * this before its layers are wired into inference models.
 */
export function seq2seqShapeOf(m: LayersModel): Seq2seqShape | string {
  if (!(m instanceof Functional)) return 'it is not a functional model (the encoder-decoder has two inputs).';
  const byName = new Map(m.layers.map((l) => [l.name, l as Described]));
  const want: [string, string][] = [
    [N.source, 'Embedding'], [N.encoder, 'RNN'], [N.target, 'Embedding'], [N.decoder, 'RNN'],
    [N.attention, 'Attention'], [N.concat, 'Concatenate'], [N.attentional, 'Dense'], [N.output, 'Dense'],
  ];
  if (m.layers.length !== want.length) return `it has ${m.layers.length} layers; the encoder-decoder has ${want.length} (${want.map((w) => w[0]).join(', ')}).`;
  for (const [name, cls] of want) {
    const l = byName.get(name);
    const isRnn = l?.kind !== undefined;
    if (!l || (cls === 'RNN' ? !isRnn : l.className !== cls)) return `it has no ${cls === 'RNN' ? 'recurrent' : cls} layer named '${name}'.`;
  }
  const src = byName.get(N.source)!;
  const enc = byName.get(N.encoder)!;
  const tgt = byName.get(N.target)!;
  const dec = byName.get(N.decoder)!;
  const att = byName.get(N.attention)!;
  const hid = byName.get(N.attentional)!;
  const out = byName.get(N.output)!;
  if (!src.maskZero || !tgt.maskZero || src.outputDim !== tgt.outputDim) return 'its embeddings do not both mask index 0 with one size.';
  if (dec.kind !== enc.kind || dec.units !== enc.units || !enc.returnSequences || !enc.returnState || !dec.returnSequences || !dec.returnState)
    return 'its encoder and decoder are not one kind and width, returning sequences and states.';
  if (!att.returnAttentionScores || att.useScale) return 'its attention layer does not return its weights (or learns a scale): build it with seq2seq().';
  if (hid.units !== enc.units || hid.activation !== 'tanh' || out.activation !== 'softmax' || out.units !== tgt.inputDim) return 'its dense layers are not tanh(units) then softmax(target tokens).';
  if (m.inputs.length !== 2 || m.outputs.length !== 1) return `it has ${m.inputs.length} inputs and ${m.outputs.length} outputs; the encoder-decoder has 2 and 1.`;
  return { cell: enc.kind as Seq2seqCell, units: enc.units!, embedding: src.outputDim!, sourceTokens: src.inputDim!, targetTokens: tgt.inputDim! };
}

export interface Seq2seqInference {
  /** source [N, S] -> [encoder outputs [N, S, units], ...final states]. */
  encoder: Functional;
  /** [previous token [N, 1], encoder outputs, ...states] -> [P(next) [N, 1, V], ...states]. */
  step: Functional;
  /** [source [N, S], previous tokens [N, T]] -> the attention weights [N, T, S] (rows sum to 1). */
  attention: Functional;
}

/** The inference encoder, decoder step and attention model, sharing the trained model's layers (and weights). */
export function seq2seqInference(trained: LayersModel): Seq2seqInference {
  const get = (name: string): Layer => {
    const l = trained.layers.find((x) => x.name === name);
    if (!l) throw new ConfigError(`seq2seqInference: the model has no layer named '${name}'; build it with seq2seq().`);
    return l;
  };
  const backend: Backend | Engine = trained.engine;
  const source = input({ shape: [null], dtype: 'int32', name: 'letters' });
  const [encoded, ...states] = asList(get(N.encoder).apply(get(N.source).apply(source)));
  const encoder = model({ inputs: source, outputs: [encoded, ...states], backend });
  const previous = input({ shape: [1], dtype: 'int32', name: 'previous_phoneme' });
  const encodedIn = input({ shape: [null, encoded.shape[1]], name: 'encoder_outputs' });
  const stateIns = states.map((s, i) => input({ shape: [...s.shape], name: `state_${i}` }));
  const d = decode(get, previous, encodedIn, stateIns);
  const step = model({ inputs: [previous, encodedIn, ...stateIns], outputs: [d.probs, ...d.states], backend });
  const prevSeq = input({ shape: [null], dtype: 'int32', name: 'previous_phonemes' });
  const w = decode(get, prevSeq, encoded, states).weights;
  if (!w) throw new ConfigError(`seq2seqInference: the attention layer '${N.attention}' does not return its weights; build the model with seq2seq().`);
  const attention = model({ inputs: [source, prevSeq], outputs: w, backend });
  return { encoder, step, attention };
}

export interface TranslateOptions {
  startToken: number;
  endToken: number;
  /** Most tokens generated per sequence, the end token included. */
  maxLength: number;
  /** 1: greedy decoding; more: beam search of that width (the best hypothesis). Default 1. */
  beamWidth?: number;
}

/**
 * The decoded target tokens of each source sequence (without start and end tokens). Sources of
 * one length are decoded together (the step model sees no padding mask, so a batch holds one length).
 */
export async function translate(inf: Seq2seqInference, sources: readonly (readonly number[])[], o: TranslateOptions): Promise<number[][]> {
  const out: number[][] = new Array(sources.length);
  const byLength = new Map<number, number[]>();
  sources.forEach((s, i) => {
    if (s.length === 0) throw new ConfigError(`translate: source ${i} is empty; give at least one token.`);
    byLength.set(s.length, [...(byLength.get(s.length) ?? []), i]);
  });
  const step = modelStep(inf.step, { constants: 1 });
  const beamWidth = o.beamWidth ?? 1;
  for (const [L, idx] of [...byLength].sort((a, b) => a[0] - b[0])) {
    const rows = Float32Array.from(idx.flatMap((i) => [...sources[i]]));
    const enc = (await inf.encoder.predict({ data: rows, shape: [idx.length, L] }, { batchSize: 256 })) as { data: Float32Array | Float64Array; shape: number[] }[];
    const initialStates: HostStates = enc.map((t) => ({ data: t.data, shape: t.shape }));
    const d = { startToken: o.startToken, endToken: o.endToken, maxLength: o.maxLength, batchSize: idx.length, initialStates };
    const best: Hypothesis[] = beamWidth === 1 ? await greedyDecode(step, d) : (await beamSearch(step, { ...d, beamWidth })).map((h) => h[0]);
    best.forEach((h, k) => {
      out[idx[k]] = h.tokens;
    });
  }
  return out;
}

/**
 * The attention weights of one source sequence while the decoder reads `previous` (START and the
 * decoded tokens): [previous.length rows, source.length columns], row r the weights over the
 * source when the decoder predicts the token after previous[r]. Each row sums to 1.
 */
export async function attentionWeights(inf: Seq2seqInference, source: readonly number[], previous: readonly number[]): Promise<{ data: Float32Array; shape: [number, number] }> {
  if (source.length === 0 || previous.length === 0) throw new ConfigError('attentionWeights: give at least one source token and one previous token.');
  const w = (await inf.attention.predict([
    { data: Float32Array.from(source), shape: [1, source.length] },
    { data: Float32Array.from(previous), shape: [1, previous.length] },
  ])) as { data: Float32Array | Float64Array; shape: number[] };
  return { data: Float32Array.from(w.data), shape: [previous.length, source.length] };
}
