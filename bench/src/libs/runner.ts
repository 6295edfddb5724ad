/** What each library adapter provides to the child process. */
import type { Workload } from '../workloads.js';

export interface Runner {
  /** 'batch': trainStep updates on all 32 sequences at once; 'sequence': on one (brain.js). */
  unit: 'batch' | 'sequence';
  /** One update; returns the loss before the update. `i` picks the sequence for per-sequence libraries. */
  trainStep(i: number): number | Promise<number>;
  /** Forward pass over the whole batch, outputs read back to the host. */
  predictBatch(): unknown;
  /** Forward pass over one sequence, output read back. */
  predictOne(): unknown;
  /** W4: a generator that emits one character per call (batch 1, state carried). */
  generator?(): () => unknown;
  notes: string[];
}

export type RunnerFactory = (w: Workload) => Promise<Runner>;

/** argmax of a probability row. */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}
