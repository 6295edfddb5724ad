/**
 * Ragged sequences to one length, with a mask saying which steps are real. Keras'
 * `pad_sequences` semantics and defaults: padding and truncating both 'pre' (pad at the start,
 * cut from the start, so the last steps are kept and end at the last position).
 *
 * Core's per-sample `lengths` (and PyTorch's packed sequences) mean "the first `length` steps
 * are real": that is `padding: 'post'`. With 'pre', use the mask.
 */
import { ConfigError, InputError } from '@recurrent/core';
import type { ArrayData } from './array-data.js';

export type PadSide = 'pre' | 'post';

export interface PadOptions {
  /** Length of every output sequence (default: the longest input). */
  length?: number;
  /** Where padding goes (default 'pre', as in Keras). */
  padding?: PadSide;
  /** Which end of a longer sequence is cut (default 'pre', as in Keras). */
  truncating?: PadSide;
  /** The value of padded steps (default 0). */
  value?: number;
}

export interface PaddedSequences extends ArrayData {
  /** `[N, L]`: 1 for a real step, 0 for padding. */
  mask: Uint8Array;
  /** Real steps per sequence after truncation. */
  lengths: Int32Array;
}

type Step = number | readonly number[];

/**
 * Pads `sequences` (each a list of numbers, or a list of steps that are each a list of F
 * numbers) to `[N, L]` or `[N, L, F]`.
 */
export function padSequences(sequences: readonly (readonly Step[])[], opts: PadOptions = {}): PaddedSequences {
  const where = 'padSequences';
  const padding = opts.padding ?? 'pre';
  const truncating = opts.truncating ?? 'pre';
  const value = opts.value ?? 0;
  for (const [k, v] of [
    ['padding', padding],
    ['truncating', truncating],
  ] as const)
    if (v !== 'pre' && v !== 'post') throw new ConfigError(`${where}: ${k} must be 'pre' or 'post', got '${v}'.`);
  if (!Number.isFinite(value)) throw new ConfigError(`${where}: value must be a finite number, got ${value}.`);
  if (!Array.isArray(sequences)) throw new InputError(`${where}: wanted a list of sequences, got ${typeof sequences}.`);
  const n = sequences.length;
  const longest = sequences.reduce((m, s, i) => {
    if (!Array.isArray(s)) throw new InputError(`${where}: sequence ${i} is ${typeof s}, wanted a list of steps.`);
    return Math.max(m, s.length);
  }, 0);
  const L = opts.length ?? longest;
  if (!Number.isInteger(L) || L < 0) throw new ConfigError(`${where}: length must be a non-negative integer, got ${L}.`);

  // The step width: 0 for scalar steps, F for vector steps; every step of every sequence must agree.
  const first = sequences.find((s) => s.length > 0)?.[0];
  const F = Array.isArray(first) ? first.length : 0;
  const width = Math.max(F, 1);
  const data = new Float32Array(n * L * width).fill(value);
  const mask = new Uint8Array(n * L);
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = sequences[i];
    const len = Math.min(s.length, L);
    const from = truncating === 'pre' ? s.length - len : 0;
    const at = padding === 'pre' ? L - len : 0;
    lengths[i] = len;
    for (let t = 0; t < s.length; t++) {
      const step = s[t];
      const pos = `sequence ${i} step ${t}`;
      if (F === 0) {
        if (typeof step !== 'number')
          throw new InputError(`${where}: ${pos} is ${Array.isArray(step) ? 'a list' : typeof step}, wanted a number like the first step of the first non-empty sequence.`);
        if (!Number.isFinite(step)) throw new InputError(`${where}: ${pos} is ${step}, not a finite number.`);
      } else {
        if (!Array.isArray(step) || step.length !== F)
          throw new InputError(`${where}: ${pos} has ${Array.isArray(step) ? `${step.length} features` : `type ${typeof step}`}, wanted ${F} features like the first step.`);
        for (let j = 0; j < F; j++)
          if (typeof step[j] !== 'number' || !Number.isFinite(step[j])) throw new InputError(`${where}: ${pos} feature ${j} is ${step[j]}, not a finite number.`);
      }
      const k = t - from;
      if (k < 0 || k >= len) continue;
      const o = (i * L + at + k) * width;
      if (F === 0) data[o] = step as number;
      else data.set(step as readonly number[], o);
      mask[i * L + at + k] = 1;
    }
  }
  return { data, shape: F === 0 ? [n, L] : [n, L, F], mask, lengths };
}
