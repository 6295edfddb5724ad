/**
 * The g2p encoder-decoder, and the recipe that turns its trained layers into an inference
 * encoder and a one-step decoder for greedy and beam-search decoding.
 *
 * Training (teacher forcing): the letters (indices, 0 = padding) pass an embedding and the
 * encoder (GRU or LSTM, returnSequences + returnState); the decoder reads the previous phoneme
 * of the reference (START, p1, ..., pn), starting from the encoder's final states; Luong
 * attention of each decoder step over the encoder's outputs gives a context, and
 * tanh(Dense([context; decoder output])) -> Dense(softmax) the next phoneme (p1, ..., pn, END).
 *
 * Inference: the same layer objects applied to new inputs (weights shared): `encoder` maps
 * letters to [outputs, ...states]; `step` maps [previous phoneme [1], encoder outputs,
 * ...states] to [P(next phoneme), ...new states]; `modelStep(step, { constants: 1 })` drives it.
 */
import type { Backend, Engine } from '@recurrent/core';
import { type Functional, input, type Layer, layers, model, type SymbolicTensor } from '@recurrent/models';
import { PHONEMES } from '../datasets/g2p.js';
import { buildRecurrent, type TrainSettings } from './runner.js';

/** Token indices: 0 pads, 1 starts the decoder, 2 ends a pronunciation, then the 39 phonemes. */
export const PAD = 0;
export const START = 1;
export const END = 2;
export const PHONEME_TOKENS = 3 + PHONEMES.length;
/** Letters a-z are 1-26; 0 pads. */
export const LETTER_TOKENS = 27;

/** Layer names the inference recipe finds the trained layers by. */
const NAMES = {
  letters: 'letter_embedding',
  encoder: 'encoder',
  phonemes: 'phoneme_embedding',
  decoder: 'decoder',
  attention: 'attention',
  concat: 'context_and_output',
  attentional: 'attentional',
  output: 'next_phoneme',
} as const;

const asList = (y: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] => (Array.isArray(y) ? y : [y]);

/** The decoder half on symbolic tensors: previous phoneme(s), encoder outputs and initial states -> [P(next), ...states]. */
function decode(get: (name: string) => Layer, previous: SymbolicTensor, encoded: SymbolicTensor, states: SymbolicTensor[]): SymbolicTensor[] {
  const [out, ...next] = asList(get(NAMES.decoder).apply(get(NAMES.phonemes).apply(previous), { initialState: states }));
  const context = get(NAMES.attention).apply([out, encoded]) as SymbolicTensor;
  const both = get(NAMES.concat).apply([context, out]) as SymbolicTensor;
  const probs = get(NAMES.output).apply(get(NAMES.attentional).apply(both) as SymbolicTensor) as SymbolicTensor;
  return [probs, ...next];
}

/** The training model: inputs [letters [N, L], previous phonemes [N, P]], output P(next phoneme) [N, P, PHONEME_TOKENS]. */
export function buildG2pModel(s: Pick<TrainSettings, 'backend' | 'seed' | 'cell' | 'units'>, embedding: number): Functional {
  const made = new Map<string, Layer>([
    [NAMES.letters, layers.embedding({ inputDim: LETTER_TOKENS, outputDim: embedding, maskZero: true, name: NAMES.letters })],
    [NAMES.encoder, buildRecurrent(s.cell, s.units, [null, embedding], { returnSequences: true, returnState: true, name: NAMES.encoder })],
    [NAMES.phonemes, layers.embedding({ inputDim: PHONEME_TOKENS, outputDim: embedding, maskZero: true, name: NAMES.phonemes })],
    [NAMES.decoder, buildRecurrent(s.cell, s.units, [null, embedding], { returnSequences: true, returnState: true, name: NAMES.decoder })],
    [NAMES.attention, layers.attention({ name: NAMES.attention })],
    [NAMES.concat, layers.concatenate({ name: NAMES.concat })],
    [NAMES.attentional, layers.dense({ units: s.units, activation: 'tanh', name: NAMES.attentional })],
    [NAMES.output, layers.dense({ units: PHONEME_TOKENS, activation: 'softmax', name: NAMES.output })],
  ]);
  const get = (name: string) => made.get(name)!;
  const letters = input({ shape: [null], dtype: 'int32', name: 'letters' });
  const previous = input({ shape: [null], dtype: 'int32', name: 'previous_phonemes' });
  const [encoded, ...states] = asList(get(NAMES.encoder).apply(get(NAMES.letters).apply(letters)));
  const [probs] = decode(get, previous, encoded, states);
  return model({ inputs: [letters, previous], outputs: probs, backend: s.backend, seed: s.seed });
}

export interface G2pInference {
  /** letters [N, L] -> [encoder outputs [N, L, units], ...final states]. */
  encoder: Functional;
  /** [previous phoneme [N, 1], encoder outputs, ...states] -> [P(next) [N, 1, PHONEME_TOKENS], ...states]. */
  step: Functional;
}

/** The inference encoder and decoder step, sharing the trained model's layers (and weights). */
export function g2pInference(trained: Functional): G2pInference {
  const get = (name: string): Layer => {
    const l = trained.layers.find((x) => x.name === name);
    if (!l) throw new Error(`g2p model: no layer named '${name}'`);
    return l;
  };
  const backend: Backend | Engine = trained.engine;
  const letters = input({ shape: [null], dtype: 'int32', name: 'letters' });
  const [encoded, ...states] = asList(get(NAMES.encoder).apply(get(NAMES.letters).apply(letters)));
  const encoder = model({ inputs: letters, outputs: [encoded, ...states], backend });
  const previous = input({ shape: [1], dtype: 'int32', name: 'previous_phoneme' });
  const encodedIn = input({ shape: [null, encoded.shape[1]], name: 'encoder_outputs' });
  const stateIns = states.map((s, i) => input({ shape: [...s.shape], name: `state_${i}` }));
  const step = model({ inputs: [previous, encodedIn, ...stateIns], outputs: decode(get, previous, encodedIn, stateIns), backend });
  return { encoder, step };
}
