/**
 * Beam search: each sequence keeps its `beamWidth` best unfinished prefixes. At each step
 * every prefix is extended by every token; the candidates are ranked by score (ties: the
 * better-ranked parent beam, then the lower token index, so the result is deterministic), an
 * extension by the end token becomes a finished hypothesis when it ranks above the
 * `beamWidth`-th surviving prefix, and the best `beamWidth` other extensions survive.
 *
 * Score: the log-probability of the sequence (end token included), or with
 * `lengthNormalization: alpha` that divided by length^alpha (length counts the end token), as
 * in Wu et al. 2016 without their constant. A sequence stops early once `beamWidth` finished
 * hypotheses score at least what any surviving prefix could still reach: log-probabilities only
 * fall, so a prefix with log-probability lp can score at most lp / maxLength^alpha. Stopping is
 * therefore exact: the result equals running every step to `maxLength`. Prefixes still alive at
 * `maxLength` are returned as unfinished hypotheses, ranked with the rest.
 */
import { ConfigError, quote } from '@recurrent/core';
import { checkDecodeOptions, type DecodeOptions, gatherStates, type Hypothesis, runStep, type StepFunction } from './step.js';

export interface BeamSearchOptions<S> extends DecodeOptions<S> {
  /** Prefixes kept per sequence (default 4); 1 is greedy decoding. Also the number of hypotheses returned per sequence. */
  beamWidth?: number;
  /** alpha >= 0 (default 0: plain log-probability); 1 divides by the length. */
  lengthNormalization?: number;
}

interface Beam {
  tokens: number[];
  logProb: number;
}

/** Per sequence of the batch, up to `beamWidth` hypotheses, best first. */
export async function beamSearch<S>(step: StepFunction<S>, options: BeamSearchOptions<S>): Promise<Hypothesis[][]> {
  const where = 'beamSearch';
  if (typeof step !== 'function') throw new TypeError(`${where}: step must be a function (tokens, states) => { logProbs, states }.`);
  const { B, maxLength } = checkDecodeOptions(where, options);
  const K = options.beamWidth ?? 4;
  if (!Number.isSafeInteger(K) || K < 1) throw new ConfigError(`${where}: beamWidth must be a positive integer (prefixes kept per sequence), got ${quote(options.beamWidth)}.`);
  const alpha = options.lengthNormalization ?? 0;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha < Infinity))
    throw new ConfigError(`${where}: lengthNormalization must be a finite number >= 0 (0: none, 1: divide by the length), got ${quote(options.lengthNormalization)}.`);
  const norm = (logProb: number, length: number) => (alpha === 0 ? logProb : logProb / length ** alpha);
  const bound = (logProb: number) => (alpha === 0 ? logProb : logProb / maxLength ** alpha);

  const done: Hypothesis[][] = Array.from({ length: B }, () => []);
  /** Live beams per sequence, best first; the rows fed to the step are these, sequence by sequence. */
  let live: Beam[][] = Array.from({ length: B }, () => [{ tokens: [], logProb: 0 }]);
  let states = options.initialStates;
  let V: number | undefined;
  const byScore = (a: Hypothesis, b: Hypothesis) => b.score - a.score;

  for (let t = 1; live.some((l) => l.length > 0); t++) {
    const tokens = live.flatMap((l) => l.map((b) => (b.tokens.length === 0 ? options.startToken : b.tokens[b.tokens.length - 1])));
    const r = await runStep(where, step, tokens, states, V, options);
    V = r.V;
    const nextLive: Beam[][] = [];
    const rows: number[] = [];
    let row0 = 0;
    live.forEach((beams, seq) => {
      const cands: { beam: number; v: number; logProb: number }[] = [];
      beams.forEach((b, i) => {
        for (let v = 0; v < r.V; v++) {
          const lp = b.logProb + r.logp[(row0 + i) * r.V + v];
          if (lp > -Infinity) cands.push({ beam: i, v, logProb: lp });
        }
      });
      // Ranked by score; the length is the same for every candidate of this step.
      cands.sort((a, b) => b.logProb - a.logProb || a.beam - b.beam || a.v - b.v);
      const kept: Beam[] = [];
      for (const c of cands) {
        if (kept.length === K) break;
        const tokensSoFar = beams[c.beam].tokens;
        if (c.v === options.endToken) done[seq].push({ tokens: [...tokensSoFar], logProb: c.logProb, score: norm(c.logProb, t), finished: true });
        else {
          kept.push({ tokens: [...tokensSoFar, c.v], logProb: c.logProb });
          rows.push(row0 + c.beam);
        }
      }
      row0 += beams.length;
      done[seq].sort(byScore);
      done[seq].length = Math.min(done[seq].length, K);
      const worst = done[seq].length === K ? done[seq][K - 1].score : -Infinity;
      const reachable = kept.length > 0 ? bound(kept[0].logProb) : -Infinity;
      if (t === maxLength) {
        for (const b of kept) done[seq].push({ tokens: b.tokens, logProb: b.logProb, score: norm(b.logProb, t), finished: false });
        done[seq].sort(byScore);
        done[seq].length = Math.min(done[seq].length, K);
        nextLive.push([]);
      } else if (done[seq].length === K && reachable <= worst) {
        // No surviving prefix can enter the top K: drop its rows.
        rows.length -= kept.length;
        nextLive.push([]);
      } else nextLive.push(kept);
    });
    live = nextLive;
    if (live.some((l) => l.length > 0)) states = gatherStates(where, r.states, rows, options.gather);
  }
  return done;
}
