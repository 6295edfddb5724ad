/**
 * The terminal progress line of fit (verbose 1): `epoch 3/10 [=====>    ] 12/40 loss 0.4321
 * accuracy 0.8123 ETA 3s`, rewritten in place, then one summary line per epoch with the time
 * and validation values. verbose 2 prints only the summary lines.
 */
import type { Callback, Logs } from './callback.js';

/** Where progress goes: process.stdout in Node, or anything with write(). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Carriage return and erase-line: rewrites the progress line in place. */
const CLEAR = '\r\x1b[K';

const fmtNum = (v: number) => (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));
const fmtTime = (ms: number) => (ms < 1000 ? `${Math.round(ms)}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`);

export class ProgressBar implements Callback {
  readonly #out: ProgressStream;
  readonly #verbose: 1 | 2;
  readonly #epochs: number;
  readonly #batches: number;
  #epoch = 0;
  #epochStart = 0;
  #lastDraw = 0;
  #sums: Record<string, number> = {};
  #seen = 0;

  constructor(out: ProgressStream, verbose: 1 | 2, epochs: number, batches: number) {
    this.#out = out;
    this.#verbose = verbose;
    this.#epochs = epochs;
    this.#batches = batches;
  }

  onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
    this.#epochStart = Date.now();
    this.#lastDraw = 0;
    this.#sums = {};
    this.#seen = 0;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    if (this.#verbose !== 1) return;
    const size = logs.size ?? 1;
    this.#seen += size;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.#sums[k] = (this.#sums[k] ?? 0) + v * size;
    const now = Date.now();
    const done = batch + 1;
    if (done < this.#batches && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const width = 20;
    const filled = Math.round((done / this.#batches) * width);
    const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (done === this.#batches ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
    const elapsed = now - this.#epochStart;
    const eta = (elapsed / done) * (this.#batches - done);
    const values = Object.entries(this.#sums)
      .map(([k, v]) => `${k} ${fmtNum(v / this.#seen)}`)
      .join('  ');
    this.#out.write(`${CLEAR}${this.#head()} ${bar} ${done}/${this.#batches}  ${values}  ETA ${fmtTime(eta)}`);
  }

  #head(): string {
    const w = String(this.#epochs).length;
    return `epoch ${String(this.#epoch + 1).padStart(w)}/${this.#epochs}`;
  }

  onWarning(message: string): void {
    this.#out.write(`${this.#verbose === 1 ? CLEAR : ''}warning: ${message}\n`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const values = Object.entries(logs)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join('  ');
    const line = `${this.#head()}  ${this.#batches}/${this.#batches}  ${fmtTime(Date.now() - this.#epochStart)}  ${values}\n`;
    this.#out.write(this.#verbose === 1 ? `${CLEAR}${line}` : line);
  }
}

/** process.stdout when running in Node, else a console.log writer (lines only). */
export function defaultProgressStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout && typeof proc.stdout.write === 'function') return proc.stdout;
  let pending = '';
  return {
    isTTY: false,
    write: (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) console.log(l.startsWith(CLEAR) ? l.slice(CLEAR.length) : l);
    },
  };
}
