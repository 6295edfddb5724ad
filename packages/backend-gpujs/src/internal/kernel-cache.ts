/**
 * Compiled kernels, one per (kernel source variant, output size, constants), kept in
 * least-recently-used order with a bound on how many stay compiled.
 *
 * An evicted kernel is destroyed, but in the GL modes not before every texture it produced
 * and we still hold is deleted: gpu.js frees a texture through the kernel that made it (and a
 * destroyed kernel's cached textures go with it), so destroying it earlier would free live
 * tensors' data or leak theirs. In the array modes outputs are plain arrays and an evicted
 * kernel is destroyed at once.
 */
import type { KernelRun } from './gpujs.js';

export interface CachedKernel {
  readonly key: string;
  readonly run: KernelRun;
  /** Live outputs that need this kernel alive (GL modes). */
  live: number;
  retired: boolean;
}

export interface KernelCacheStats {
  /** Kernels compiled now. */
  size: number;
  /** The bound. */
  max: number;
  /** Kernels compiled so far. */
  compiled: number;
  /** Kernels evicted (destroyed, or waiting for their outputs to be deleted). */
  evicted: number;
  /** Kernels destroyed. */
  destroyed: number;
}

export class KernelCache {
  #entries = new Map<string, CachedKernel>();
  #max: number;
  #pinsOutputs: boolean;
  #compiled = 0;
  #evicted = 0;
  #destroyed = 0;
  #retiredLive = new Set<CachedKernel>();

  /** `pinsOutputs`: outputs keep their kernel alive (GL modes). */
  constructor(max: number, pinsOutputs: boolean) {
    this.#max = max;
    this.#pinsOutputs = pinsOutputs;
  }

  /** The kernel for `key`, compiled by `create` on a miss; marks it most recently used. */
  get(key: string, create: () => KernelRun): CachedKernel {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const entry: CachedKernel = { key, run: create(), live: 0, retired: false };
    this.#compiled++;
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.values().next().value as CachedKernel;
      this.#entries.delete(oldest.key);
      this.#evicted++;
      oldest.retired = true;
      if (this.#pinsOutputs && oldest.live > 0) this.#retiredLive.add(oldest);
      else this.#destroy(oldest);
    }
    return entry;
  }

  /** An output of `entry` was stored. */
  retain(entry: CachedKernel): void {
    if (this.#pinsOutputs) entry.live++;
  }

  /** An output of `entry` was deleted; destroys a retired kernel with no outputs left. */
  release(entry: CachedKernel): void {
    if (!this.#pinsOutputs) return;
    entry.live--;
    if (entry.retired && entry.live === 0) {
      this.#retiredLive.delete(entry);
      this.#destroy(entry);
    }
  }

  stats(): KernelCacheStats {
    return {
      size: this.#entries.size,
      max: this.#max,
      compiled: this.#compiled,
      evicted: this.#evicted,
      destroyed: this.#destroyed,
    };
  }

  /** Destroys every kernel (the backend is being destroyed; its buffers are gone). */
  clear(): void {
    for (const e of [...this.#entries.values(), ...this.#retiredLive]) this.#destroy(e);
    this.#entries.clear();
    this.#retiredLive.clear();
  }

  #destroy(entry: CachedKernel): void {
    this.#destroyed++;
    entry.run.kernel.destroy(false);
  }
}
