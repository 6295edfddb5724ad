/** What the main process asks a child process to run, and what the child reports back. */
import type { Stats } from './stats.js';
import type { WorkloadId } from './workloads.js';

/** recurrent: our cpu backend with its default (WebAssembly SIMD) kernels; recurrent-js: its plain TypeScript kernels. */
export const LIBS = ['recurrent', 'recurrent-js', 'recurrent-gpujs', 'tfjs-cpu', 'tfjs-wasm', 'brain'] as const;
export type LibId = (typeof LIBS)[number];
export const PEERS: readonly LibId[] = ['tfjs-cpu', 'tfjs-wasm', 'brain'];

export type Job =
  | { kind: 'workload'; lib: LibId; workload: WorkloadId; quick: boolean }
  | { kind: 'limit'; quick: boolean };

export interface WorkloadResult {
  kind: 'workload';
  lib: LibId;
  workload: WorkloadId;
  /** What one timed training unit is: a batch of 32 sequences, or one sequence (brain.js). */
  unit: 'batch' | 'sequence';
  /** ms per training unit (wall clock), and CPU ms of the process per unit. */
  train: Stats;
  trainCpu: Stats;
  /** brain.js: ms for 32 consecutive single-sequence updates (one pass over the batch). */
  train32?: Stats;
  /** Matmul FLOPs of one training unit (workloads.ts trainFlops). */
  trainFlops: number;
  /** ms for a forward pass over one batch (32 sequences) and over one sequence. */
  predictBatch: Stats;
  predictOne: Stats;
  /** W4 only: ms per generated character, batch 1, state carried. */
  generate?: Stats;
  /** Loss before the first update and after the last, to check every library computes the same model. */
  losses: { first: number; last: number; updates: number };
  /** Bytes: RSS after imports and backend start-up, and the process's peak RSS (getrusage maxrss). */
  rssBase: number;
  rssPeak: number;
  notes: string[];
}

export interface LimitResult {
  kind: 'limit';
  /** GFLOP/s of the best run of each kernel at each shape. */
  rows: { kernel: string; shape: string; gflops: number }[];
}

export type JobResult = WorkloadResult | LimitResult;
