/**
 * Greedy decoding: at each step every live sequence takes its most probable next token (the
 * lowest token index among equals), until it generates the end token or reaches `maxLength`.
 * Sequences that finished are dropped from the rows fed to the next step.
 */
import { checkDecodeOptions, type DecodeOptions, gatherStates, type Hypothesis, runStep, type StepFunction } from './step.js';

export type GreedyOptions<S> = DecodeOptions<S>;

/** One hypothesis per sequence of the batch (`score` equals `logProb`). */
export async function greedyDecode<S>(step: StepFunction<S>, options: GreedyOptions<S>): Promise<Hypothesis[]> {
  const where = 'greedyDecode';
  if (typeof step !== 'function') throw new TypeError(`${where}: step must be a function (tokens, states) => { logProbs, states }.`);
  const { B, maxLength } = checkDecodeOptions(where, options);
  const out: Hypothesis[] = Array.from({ length: B }, () => ({ tokens: [], logProb: 0, score: 0, finished: false }));
  /** The sequence (index into out) of each row fed to the step. */
  let live = Array.from({ length: B }, (_, i) => i);
  let tokens = new Array<number>(B).fill(options.startToken);
  let states = options.initialStates;
  let V: number | undefined;
  for (let t = 0; t < maxLength && live.length > 0; t++) {
    const r = await runStep(where, step, tokens, states, V, options);
    V = r.V;
    const keep: number[] = [];
    const next: number[] = [];
    live.forEach((seq, row) => {
      let best = 0;
      for (let v = 1; v < r.V; v++) if (r.logp[row * r.V + v] > r.logp[row * r.V + best]) best = v;
      const h = out[seq];
      h.logProb += r.logp[row * r.V + best];
      if (best === options.endToken) h.finished = true;
      else {
        h.tokens.push(best);
        keep.push(row);
        next.push(best);
      }
    });
    if (keep.length === 0 || t === maxLength - 1) break;
    states = keep.length === live.length ? r.states : gatherStates(where, r.states, keep, options.gather);
    live = keep.map((row) => live[row]);
    tokens = next;
  }
  for (const h of out) h.score = h.logProb;
  return out;
}
