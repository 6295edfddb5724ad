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
  /** Decimals the interval supports: its half-width is under half a unit of the last one printed. */
  digits: number;
}

/**
 * The ratio a / b of two sides' step times (ms per measured step, index = round), from the
 * rounds that measured both: each round's steps ran back to back, so a burst of load hits both
 * and the per-round ratio cancels most of it. Printed (fmtRatio) with only the decimals its
 * interval supports, so two runs agree to the digits printed.
 */
export function ratioOf(a: readonly number[], b: readonly number[]): Ratio {
  const n = Math.min(a.length, b.length);
  const r = Array.from({ length: n }, (_, i) => a[i] / b[i]).sort((x, y) => x - y);
  const mid = n >> 1;
  const value = n % 2 ? r[mid] : (r[mid - 1] + r[mid]) / 2;
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  const [low, high] = [r[k], r[n - 1 - k]];
  const half = (high - low) / 2;
  const digits = half < 0.005 ? 2 : half < 0.05 ? 1 : 0;
  return { value, low, high, rounds: n, digits };
}

/** "1.8x", with the decimals the ratio's interval supports. */
export const fmtRatio = (r: Ratio): string => `${r.value.toFixed(r.digits)}x`;

/** "1.8x (1.74-1.86, 15 rounds)": the ratio, its 95% interval and how many rounds it is from. */
export const fmtRatioLong = (r: Ratio): string => `${fmtRatio(r)} (${r.low.toFixed(2)}-${r.high.toFixed(2)}, ${r.rounds} rounds)`;
