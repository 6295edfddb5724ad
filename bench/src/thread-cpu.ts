/**
 * CPU time of this process's threads, from Linux's /proc/self/task/<tid>/stat (10 ms ticks):
 * the main thread's and the other threads' summed (workers, V8's helpers). Null elsewhere.
 * CPU time is what load from other processes does not distort: a thread waiting for a core
 * accrues none.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function threadCpu(): { main: number; others: number } | null {
  let main = 0;
  let others = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        // Fields after the ") " that ends the thread name: utime and stime are the 12th and 13th.
        const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
        const ms = (Number(f[11]) + Number(f[12])) * 10;
        if (Number(tid) === process.pid) main += ms;
        else others += ms;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return null;
  }
  return { main, others };
}
