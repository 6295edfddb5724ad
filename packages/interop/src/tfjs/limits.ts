import { ConfigError, quote } from '@recurrent/core';

/**
 * Bounds on what a tfjs model file may make us read or allocate. Files come from elsewhere:
 * every size is checked against these before anything of that size is read or allocated.
 * Override per call: `loadTfjsModel(src, { backend, limits: { maxWeightBytes: 4 * 2 ** 30 } })`.
 */
export interface TfjsLimits {
  /** Largest model.json (or topology / weight-spec text) read, in bytes. Default 32 MiB. */
  maxJsonBytes: number;
  /** Deepest JSON nesting accepted (a real Keras topology is under 15 levels). Default 64. */
  maxDepth: number;
  /** Largest total of weight bytes (all shards). Default 1 GiB. */
  maxWeightBytes: number;
  /** Most shard files in a manifest. Default 4096. */
  maxShards: number;
  /** Most layers, and most layer calls, in a functional model's graph. Default 4096. */
  maxNodes: number;
  /**
   * Longest wait, in ms, for an HTTP response or the next piece of its body, before the load
   * fails (a server that stops sending must not hang it). A slow link that keeps sending is
   * fine, however long the whole download takes; to bound the whole download, pass a `fetch`
   * that adds your own AbortSignal. Default 60 s; Infinity waits as long as the server does.
   */
  maxStallMs: number;
}

export const DEFAULT_LIMITS: TfjsLimits = {
  maxJsonBytes: 32 * 2 ** 20,
  maxDepth: 64,
  maxWeightBytes: 2 ** 30,
  maxShards: 4096,
  maxNodes: 4096,
  maxStallMs: 60_000,
};

export function resolveLimits(given: Partial<TfjsLimits> | undefined): TfjsLimits {
  const limits = { ...DEFAULT_LIMITS, ...(given ?? {}) };
  for (const [k, v] of Object.entries(limits))
    if (typeof v !== 'number' || !(v > 0) || (k !== 'maxStallMs' && !Number.isFinite(v)))
      throw new ConfigError(`loadTfjsModel: limits.${k} must be a positive number${k === 'maxStallMs' ? ' (or Infinity)' : ''}, got ${quote(v)}.`);
  return limits;
}
