/**
 * A step function from a decoder *step model*: a model whose inputs are the last token of each
 * row ([rows, 1] token indices) followed by the decoder states, and whose outputs are the
 * next-token probabilities ([rows, 1, V] or [rows, V], a softmax) followed by the new states, in
 * the same order. The first `constants` states are inputs that stay the same at every step (an
 * encoder's outputs for attention, [rows, steps, units]); they are passed through untouched and
 * picked with the other states' rows by beam search. The step model is built from the trained
 * layers of an encoder-decoder (see the README's "Decoding" section).
 */
import { ConfigError, ShapeError } from '@recurrent/core';
import type { HostTensor } from '../inputs.js';
import type { HostStates, StepFunction } from './step.js';

/** What modelStep needs of a model: `predict` on several inputs, returning one value per output. */
export interface StepModel {
  predict(x: HostTensor[], options?: { batchSize?: number }): Promise<{ data: Float32Array | Float64Array; shape: number[] } | { data: Float32Array | Float64Array; shape: number[] }[]>;
}

export function modelStep(stepModel: StepModel, options: { constants?: number } = {}): StepFunction<HostStates> {
  const where = 'modelStep';
  if (typeof stepModel?.predict !== 'function') throw new ConfigError(`${where}: pass a model (its predict is called once per step).`);
  const constants = options.constants ?? 0;
  if (!Number.isSafeInteger(constants) || constants < 0) throw new ConfigError(`${where}: constants must be an integer >= 0 (the leading states that do not change), got ${String(options.constants)}.`);
  return async (tokens, states) => {
    if (states.length < constants) throw new ConfigError(`${where}: ${states.length} states, fewer than the ${constants} constants; pass initialStates [...constants, ...states].`);
    const rows = tokens.length;
    const x: HostTensor[] = [{ data: Float32Array.from(tokens), shape: [rows, 1] }, ...states.map((s) => ({ data: s.data, shape: [...s.shape] }))];
    const out = await stepModel.predict(x, { batchSize: rows });
    const outs = Array.isArray(out) ? out : [out];
    const want = 1 + states.length - constants;
    if (outs.length !== want)
      throw new ShapeError(`${where} (step model outputs)`, [outs.length], `${want}: the probabilities, then one new value per state that is not a constant`);
    const [probs, ...next] = outs;
    if (probs.data.length !== rows * probs.shape[probs.shape.length - 1])
      throw new ShapeError(`${where} (probabilities)`, probs.shape, `[${rows}, 1, V] or [${rows}, V]: one distribution per row`);
    return { probs: probs.data, states: [...states.slice(0, constants), ...next] };
  };
}
