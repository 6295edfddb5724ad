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
