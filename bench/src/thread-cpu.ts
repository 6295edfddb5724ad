/**
 * CPU time of this process's threads, from Linux's /proc/self/task/<tid>/stat (10 ms ticks):
 * the main thread's and each other thread's (workers, V8's helpers). Null elsewhere.
 * CPU time is what load from other processes does not distort: a thread waiting for a core
 * accrues none.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadCpu {
  main: number;
  /** ms per thread id, the main thread's included. */
  byThread: Map<number, number>;
}

export function threadCpu(): ThreadCpu | null {
  const byThread = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        // Fields after the ") " that ends the thread name: utime and stime are the 12th and 13th.
        const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
        byThread.set(Number(tid), (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return null;
  }
  return { main: byThread.get(process.pid) ?? 0, byThread };
}

/**
 * CPU ms from `a` to `b`: the main thread's, and the other threads' summed thread by thread, so
 * that a helper thread ending in between (V8 starts and stops some) takes nothing away: the sum
 * of the totals went negative that way. A thread that ended in between is not counted.
 */
export function cpuBetween(a: ThreadCpu, b: ThreadCpu): { main: number; others: number } {
  let others = 0;
  for (const [tid, ms] of b.byThread) if (tid !== process.pid) others += ms - (a.byThread.get(tid) ?? 0);
  return { main: b.main - a.main, others };
}
