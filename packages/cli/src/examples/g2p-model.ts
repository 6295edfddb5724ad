/**
 * The g2p encoder-decoder: `@recurrent/models`' `seq2seq` recipe (an encoder-decoder with Luong
 * attention, and its inference encoder, one-step decoder and attention model) on letters and
 * phonemes. The recipe and the token encoding live in models, once, because the playground's g2p
 * task builds, decodes and checks the same model and must not import the CLI.
 */
import { data, type Functional, type Seq2seqInference, seq2seq, seq2seqInference } from '@recurrent/models';
import type { TrainSettings } from './runner.js';

/** Token indices: 0 pads, 1 starts the decoder, 2 ends a pronunciation, then the 39 phonemes. */
export const PAD = data.G2P_PAD;
export const START = data.G2P_START;
export const END = data.G2P_END;
export const PHONEME_TOKENS = data.PHONEME_TOKENS;
/** Letters a-z are 1-26; 0 pads. */
export const LETTER_TOKENS = data.LETTER_TOKENS;

/** The training model: inputs [letters [N, L], previous phonemes [N, P]], output P(next phoneme) [N, P, PHONEME_TOKENS]. */
export function buildG2pModel(s: Pick<TrainSettings, 'backend' | 'seed' | 'cell' | 'units'>, embedding: number): Functional {
  return seq2seq({ backend: s.backend, seed: s.seed, cell: s.cell, units: s.units, embedding, sourceTokens: LETTER_TOKENS, targetTokens: PHONEME_TOKENS });
}

export type G2pInference = Seq2seqInference;

/** The inference encoder, decoder step and attention model, sharing the trained model's layers (and weights). */
export const g2pInference = seq2seqInference;
