/**
 * Inverted-dropout masks drawn on the host from the model's seeded Rng: each kept element is
 * 1 / (1 - rate), each dropped one 0, so the expected value is unchanged and inference needs no
 * rescaling (Keras's convention).
 */
import type { Rng } from '@recurrent/core';

/** `n` independent mask values. */
export function dropoutValues(rng: Rng, n: number, rate: number): Float32Array {
  const keep = 1 - rate;
  const scale = 1 / keep;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() < keep ? scale : 0;
  return out;
}

/** A [B, T, D] mask that is the same at every step of a sample (Keras RNN input dropout). */
export function perSequenceValues(rng: Rng, B: number, T: number, D: number, rate: number): Float32Array {
  const base = dropoutValues(rng, B * D, rate);
  const out = new Float32Array(B * T * D);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(base.subarray(b * D, (b + 1) * D), (b * T + t) * D);
  return out;
}
