/**
 * The measuring loop both browser benchmarks share: warm-up (the first step's loss kept), then
 * the measured steps of all sides *interleaved* (a, b, c, a, b, c, ...), so a machine busy with
 * other work slows all alike. A side with fewer measured steps takes part in the first rounds only.
 */
import type { Trainer } from './ours.js';

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

export async function interleavedSteps(
  sides: readonly { trainer: Trainer; measured: number }[],
  warmup: number,
): Promise<{ firstLoss: number[]; ms: number[][] }> {
  const firstLoss: number[] = [];
  for (const s of sides) firstLoss.push(await s.trainer.step());
  for (let i = 1; i < warmup; i++) for (const s of sides) await s.trainer.step();
  const ms: number[][] = sides.map(() => []);
  const rounds = Math.max(...sides.map((s) => s.measured));
  for (let i = 0; i < rounds; i++)
    for (const [k, s] of sides.entries()) if (i < s.measured) ms[k].push(await timed(() => s.trainer.step()));
  return { firstLoss, ms };
}

/** A speed ratio of two sides from their interleaved rounds (ratioOf). */
export interface Ratio {
  /** The median over rounds of side a's step time / side b's (above 1: b is faster). */
  value: number;
  /** A distribution-free 95% interval of that median (order statistics of the per-round ratios). */
  low: number;
  high: number;
  /** Rounds that measured both sides: one step of each per round. */
  rounds: number;
  /**
   * Decimals the interval supports: the most (2, 1 or 0) at which its two ends round to the same
   * value, so any run whose ratio falls in it prints the same; -1 when even whole numbers differ
   * (then fmtRatio prints the interval itself).
   */
  digits: number;
}

/**
 * The ratio a / b of two sides' step times (ms per measured step, index = round), from the
 * rounds that measured both: each round's steps ran back to back, so a burst of load hits both
 * and the per-round ratio cancels most of it. Printed (fmtRatio) with only the decimals at which
 * its whole 95% interval rounds alike, so two runs agree to the digits printed (unless one falls
 * outside the other's interval, about 1 in 20); a machine too loaded for even that prints the interval.
 */
export function ratioOf(a: readonly number[], b: readonly number[]): Ratio {
  const n = Math.min(a.length, b.length);
  const r = Array.from({ length: n }, (_, i) => a[i] / b[i]).sort((x, y) => x - y);
  const mid = n >> 1;
  const value = n % 2 ? r[mid] : (r[mid - 1] + r[mid]) / 2;
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  const [low, high] = [r[k], r[n - 1 - k]];
  const digits = [2, 1, 0].find((d) => low.toFixed(d) === high.toFixed(d)) ?? -1;
  return { value, low, high, rounds: n, digits };
}

/** "1.8x", with the decimals the ratio's interval supports; "1.4-2.1x" (the interval) when it supports none. */
export const fmtRatio = (r: Ratio): string => (r.digits < 0 ? `${r.low.toFixed(1)}-${r.high.toFixed(1)}x` : `${r.value.toFixed(r.digits)}x`);

/** "1.8x (1.74-1.86, 15 rounds)": the ratio, its 95% interval and how many rounds it is from. */
export const fmtRatioLong = (r: Ratio): string => `${fmtRatio(r)} (${r.low.toFixed(2)}-${r.high.toFixed(2)}, ${r.rounds} rounds)`;
