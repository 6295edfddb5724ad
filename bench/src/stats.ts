/** Timing loops and their summary. */

export interface Stats {
  /** Milliseconds: median, fastest, slowest of `runs` measured runs. */
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

export interface MeasureOptions {
  /** Untimed runs first (JIT warm-up, first-call allocations), fewer when they exceed the budget. */
  warmup: number;
  /** Keep warming up until this many ms have passed (fast operations need many runs before V8 optimizes them). */
  warmupMs?: number;
  /**
   * Timed runs: at least `minRuns` (but only 3 once 3 x `budgetMs` has passed: a slow library
   * gets fewer runs), then more while under `budgetMs`, at most `maxRuns`.
   */
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
}

export interface Timings {
  /** Wall-clock ms per run. */
  wall: number[];
  /**
   * CPU ms of this process per run (user + system, all its threads). On a machine shared with
   * other busy processes the wall time includes waiting for a core; the CPU time does not.
   */
  cpu: number[];
}

/** Times `fn` (awaited when it returns a promise). */
export async function measure(fn: () => unknown, o: MeasureOptions): Promise<Timings> {
  // Warm-up: `warmup` runs and `warmupMs`, but never past the budget after the first run (a
  // slow library is warm after one run).
  const w0 = performance.now();
  for (let i = 0; ; i++) {
    const elapsed = performance.now() - w0;
    if (i > 0 && elapsed >= o.budgetMs) break;
    if (i >= o.warmup && elapsed >= (o.warmupMs ?? 0)) break;
    await fn();
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  const more = (n: number, elapsed: number) =>
    n < Math.min(o.minRuns, 3) ||
    (n < o.minRuns && elapsed < 3 * o.budgetMs) ||
    (n < o.maxRuns && elapsed < o.budgetMs);
  while (more(wall.length, performance.now() - start)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = fn();
    if (r instanceof Promise) await r;
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall, cpu };
}
