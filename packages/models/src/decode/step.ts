/**
 * The step function that greedy and beam-search decoding drive, and the checks on what it
 * returns. A step takes the last token of each live sequence and the decoder states of those
 * rows, and returns the next-token distribution of each row and the new states:
 *
 *   step(tokens: number[], states) => { logProbs | probs: [tokens.length * V] row-major, states }
 *
 * It may be async (a model's `predict`). The decoders never look inside the states except to
 * pick rows (beam search keeps the rows of the surviving beams): the default `gather` handles
 * states given as an array of host tensors `{ data, shape }` with the rows first (what
 * `predict(...).states` returns, e.g. `[h, c]` each [rows, units]), or no states at all
 * (`undefined`, a step that needs none); any other form needs its own `gather`.
 */
import { ConfigError, InputError, NonFiniteError, quote, ShapeError } from '@recurrent/core';

/** Decoder states as host tensors, rows first: `[h]` or `[h, c]`, each [rows, units]. */
export type HostStates = readonly { data: Float32Array | Float64Array; shape: readonly number[] }[];

/** What a step returns: one distribution over the V tokens per input row, as log-probabilities or probabilities. */
export interface StepOutput<S> {
  /** log P(next token) [rows * V], row-major. -Infinity is a token that cannot come next. */
  logProbs?: ArrayLike<number>;
  /** P(next token) [rows * V], row-major; used when `logProbs` is absent. */
  probs?: ArrayLike<number>;
  /** The decoder states after this step, one row per input row. */
  states: S;
}

export type StepFunction<S> = (tokens: readonly number[], states: S) => StepOutput<S> | Promise<StepOutput<S>>;

/** Options both decoders take. */
export interface DecodeOptions<S> {
  /** The token fed at the first step (e.g. the start-of-sequence token). */
  startToken: number;
  /** The states of each sequence before the first step, `batchSize` rows. */
  initialStates: S;
  /** Sequences decoded at once (default 1); the rows of `initialStates`. */
  batchSize?: number;
  /** Generating this token ends a sequence. Without it, every sequence runs to `maxLength`. */
  endToken?: number;
  /** Most tokens generated per sequence, the end token included. */
  maxLength: number;
  /** Picks rows of the states (in the given order, repeats allowed); needed for states other than HostStates. */
  gather?: (states: S, rows: readonly number[]) => S;
}

/** One decoded sequence. */
export interface Hypothesis {
  /** The generated tokens, without the start token and without the end token. */
  tokens: number[];
  /** Sum of the log-probabilities of the generated tokens (the end token's included). */
  logProb: number;
  /** What the decoder ranks by: `logProb`, or `logProb / length^alpha` with length normalisation. */
  score: number;
  /** true when the sequence ended with `endToken`, false when it stopped at `maxLength`. */
  finished: boolean;
}

/** Largest log-probability accepted (a float32 rounding error above 0), read as 0. */
const MAX_LOG_PROB = 1e-4;

export const isToken = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The checked common options (a ConfigError names the bad one). */
export function checkDecodeOptions<S>(where: string, o: DecodeOptions<S>): { B: number; maxLength: number } {
  if (typeof o !== 'object' || o === null) throw new ConfigError(`${where}: options must be an object such as { startToken: 1, endToken: 2, maxLength: 20, initialStates }.`);
  if (!isToken(o.startToken)) throw new ConfigError(`${where}: startToken must be a token index (an integer >= 0), got ${quote(o.startToken)}.`);
  if (o.endToken !== undefined && !isToken(o.endToken)) throw new ConfigError(`${where}: endToken must be a token index (an integer >= 0) or left out, got ${quote(o.endToken)}.`);
  if (!Number.isSafeInteger(o.maxLength) || o.maxLength < 1) throw new ConfigError(`${where}: maxLength must be a positive integer (tokens generated per sequence), got ${quote(o.maxLength)}.`);
  const B = o.batchSize ?? 1;
  if (!Number.isSafeInteger(B) || B < 1) throw new ConfigError(`${where}: batchSize must be a positive integer, got ${quote(o.batchSize)}.`);
  if (o.gather !== undefined && typeof o.gather !== 'function') throw new ConfigError(`${where}: gather must be a function (states, rows) => states, got ${quote(o.gather)}.`);
  return { B, maxLength: o.maxLength };
}

/**
 * Runs the step and returns its log-probabilities as one Float64Array [rows * V] and V. The
 * vocabulary size comes from the first step and must stay the same; end and start tokens must
 * be inside it.
 */
export async function runStep<S>(
  where: string,
  step: StepFunction<S>,
  tokens: readonly number[],
  states: S,
  expectV: number | undefined,
  o: DecodeOptions<S>,
): Promise<{ logp: Float64Array; V: number; states: S }> {
  const out = await step(tokens, states);
  if (typeof out !== 'object' || out === null) throw new InputError(`${where}: the step function returned ${quote(out)}; it must return { logProbs (or probs), states }.`);
  const useLog = out.logProbs !== undefined;
  const src = useLog ? out.logProbs : out.probs;
  if (src === undefined || typeof (src as ArrayLike<number>).length !== 'number')
    throw new InputError(`${where}: the step function returned neither logProbs nor probs (each an array of rows * V numbers, row-major).`);
  const rows = tokens.length;
  const n = src.length;
  if (n === 0 || n % rows !== 0) throw new ShapeError(`${where} (step output)`, [n], `[${rows} * V] (one distribution over the vocabulary for each of the ${rows} rows fed)`);
  const V = n / rows;
  if (expectV !== undefined && V !== expectV) throw new ShapeError(`${where} (step output)`, [rows, V], `[${rows}, ${expectV}]: the vocabulary size of the first step`);
  for (const [name, t] of [['startToken', o.startToken], ['endToken', o.endToken]] as const)
    if (t !== undefined && t >= V) throw new ConfigError(`${where}: ${name} ${t} is outside the step's vocabulary of ${V} tokens (0 to ${V - 1}).`);
  const logp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    const at = `at row ${Math.floor(i / V)}, token ${i % V}`;
    if (Number.isNaN(v) || v === Infinity)
      throw new NonFiniteError(`${where}: the step function's ${useLog ? 'logProbs' : 'probs'} has ${quote(v)} ${at}; return finite values (-Infinity log-probability for an impossible token).`);
    const lp = useLog ? v : Math.log(v);
    // A float32 log-softmax may come out a rounding error above 0; more than that is not a probability.
    if (!(lp <= MAX_LOG_PROB) || (!useLog && !(v >= 0)))
      throw new InputError(
        `${where}: the step function's ${useLog ? 'logProbs' : 'probs'} has ${quote(v)} ${at}, not a ${useLog ? 'log-probability (<= 0)' : 'probability (in [0, 1])'}; ` +
          'apply a (log-)softmax to the logits in the step.',
      );
    logp[i] = Math.min(lp, 0);
  }
  return { logp, V, states: out.states };
}

/** Rows of HostStates (or no states); other state forms need the caller's `gather`. */
export function gatherStates<S>(where: string, states: S, rows: readonly number[], gather: DecodeOptions<S>['gather']): S {
  if (gather) return gather(states, rows);
  if (states === undefined || states === null) return states;
  if (!Array.isArray(states))
    throw new ConfigError(`${where}: the states are not an array of host tensors { data, shape }; pass gather: (states, rows) => states to pick rows of your own state form.`);
  return (states as HostStates).map((s, k) => {
    if (typeof s !== 'object' || s === null || !(s.data instanceof Float32Array || s.data instanceof Float64Array) || !Array.isArray(s.shape))
      throw new ConfigError(`${where}: state ${k} is not a host tensor { data, shape }; pass gather: (states, rows) => states to pick rows of your own state form.`);
    const R = s.shape[0];
    const width = R > 0 ? s.data.length / R : 0;
    if (!Number.isInteger(width) || s.data.length !== s.shape.reduce((a, b) => a * b, 1)) throw new ShapeError(`${where} (state ${k})`, [...s.shape], `a shape matching its ${s.data.length} values`);
    const data = new (s.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(rows.length * width);
    rows.forEach((r, i) => {
      if (r >= R) throw new ShapeError(`${where} (state ${k})`, [...s.shape], `at least ${r + 1} rows: one per sequence fed to the step`);
      data.set(s.data.subarray(r * width, (r + 1) * width), i * width);
    });
    return { data, shape: [rows.length, ...s.shape.slice(1)] };
  }) as S;
}
