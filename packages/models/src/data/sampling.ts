/**
 * Drawing a token from a model's output distribution, sharpened or flattened by a temperature:
 * p_i^(1/T) / sum_j p_j^(1/T), which is softmax(logits / T). T = 1 samples the distribution as
 * is, T -> 0 approaches the most likely token (T = 0 is exactly argmax), T > 1 flattens it.
 */
import { ConfigError, InputError, type Rng } from '@recurrent/core';

function checkTemperature(t: number, where: string): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new ConfigError(`${where}: temperature must be a finite number >= 0, got ${t}.`);
}

/** The index of the largest value (the first, on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Draws one index from `logits / temperature` (a softmax), with `rng`. */
export function sampleLogits(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  const where = 'sampleLogits';
  checkTemperature(temperature, where);
  if (logits.length === 0) throw new InputError(`${where}: no logits to sample from.`);
  for (let i = 0; i < logits.length; i++)
    if (Number.isNaN(logits[i]) || logits[i] === Infinity) throw new InputError(`${where}: logit ${i} is ${logits[i]}; wanted finite numbers (or -Infinity for an impossible token).`);
  const top = argmax(logits);
  if (logits[top] === -Infinity) throw new InputError(`${where}: every logit is -Infinity; nothing can be sampled.`);
  if (temperature === 0) return top;
  const w = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i] = Math.exp((logits[i] - logits[top]) / temperature);
  let u = rng.next() * sum;
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u < 0 && w[i] > 0) return i;
  }
  // Rounding left u a hair above 0: return the last token with weight.
  for (let i = w.length - 1; i >= 0; i--) if (w[i] > 0) return i;
  return top;
}

/** Draws one index from `probabilities` (non-negative, any positive sum) at `temperature`, with `rng`. */
export function sampleWithTemperature(probabilities: ArrayLike<number>, temperature: number, rng: Rng): number {
  const where = 'sampleWithTemperature';
  const logits = new Float64Array(probabilities.length);
  for (let i = 0; i < logits.length; i++) {
    const p = probabilities[i];
    if (!(Number.isFinite(p) && p >= 0)) throw new InputError(`${where}: probability ${i} is ${p}; wanted finite non-negative numbers.`);
    logits[i] = p === 0 ? -Infinity : Math.log(p);
  }
  if (logits.length > 0 && logits.every((l) => l === -Infinity)) throw new InputError(`${where}: every probability is 0; nothing can be sampled.`);
  checkTemperature(temperature, where);
  return sampleLogits(logits, temperature, rng);
}
