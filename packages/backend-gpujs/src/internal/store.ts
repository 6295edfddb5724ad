/**
 * The backend's buffers: Float32Arrays in the webasm and cpu modes, gpu.js textures in the GL
 * modes. Each is deleted exactly once, when the engine disposes its last handle; a texture's
 * deletion releases its hold on the kernel that produced it (see kernel-cache.ts).
 */
import { BackendError, type DataId, type MemoryInfo } from '@recurrent/core';
import type { CachedKernel, KernelCache } from './kernel-cache.js';
import type { DeviceValue, GpuTexture } from './gpujs.js';

interface Entry {
  value: DeviceValue;
  size: number;
  owner: CachedKernel | null;
}

export class BufferStore {
  #buffers = new Map<DataId, Entry>();
  /** Buffers derived from a buffer (e.g. a matmul operand packed for reuse), freed with it. */
  #derived = new Map<DataId, Map<string, DataId | null>>();
  #derivedCount = 0;
  #next = 1;
  #elements = 0;
  #cache: KernelCache;

  constructor(cache: KernelCache) {
    this.#cache = cache;
  }

  /** Stores a buffer of `size` float32 values; `owner` is the kernel that produced a texture. */
  put(value: DeviceValue, size: number, owner: CachedKernel | null): DataId {
    const id = this.#next++;
    this.#buffers.set(id, { value, size, owner });
    this.#elements += size;
    if (owner) this.#cache.retain(owner);
    return id;
  }

  get(id: DataId): DeviceValue {
    return this.#entry(id, 'used as an op input').value;
  }

  size(id: DataId): number {
    return this.#entry(id, 'used').size;
  }

  /** A fresh copy of the values. */
  read(id: DataId): Float32Array {
    const { value, size } = this.#entry(id, 'read');
    if (value instanceof Float32Array) return value.slice();
    const out = (value as GpuTexture).toArray();
    if (!(out instanceof Float32Array))
      throw new BackendError(`gpujs backend: reading buffer ${id} gave ${Object.prototype.toString.call(out)}, not a Float32Array.`);
    return out.length === size ? out : out.slice(0, size);
  }

  /**
   * A buffer derived from `id` by `make` (a pure function of id's values: buffers never change).
   * The first request for a key makes a temporary the caller deletes (`temp`); a second request
   * makes it again and keeps it, so a value derived once per use (a weight matrix packed for the
   * 50 matmuls of a sequence) is made twice, and one used once costs no memory beyond its use.
   * Kept buffers are deleted with `id` and are not counted as buffers of their own.
   */
  derived(id: DataId, key: string, make: () => DataId): { id: DataId; temp: boolean } {
    this.#entry(id, 'used as an op input');
    let forId = this.#derived.get(id);
    if (!forId) this.#derived.set(id, (forId = new Map()));
    const kept = forId.get(key);
    if (kept) return { id: kept, temp: false };
    const made = make();
    if (kept === undefined) {
      forId.set(key, null); // seen once
      return { id: made, temp: true };
    }
    forId.set(key, made);
    this.#derivedCount++;
    return { id: made, temp: false };
  }

  delete(id: DataId): void {
    const forId = this.#derived.get(id);
    if (forId) {
      this.#derived.delete(id);
      for (const d of forId.values())
        if (d !== null) {
          this.#derivedCount--;
          this.delete(d);
        }
    }
    const entry = this.#buffers.get(id);
    if (!entry)
      throw new BackendError(
        `gpujs backend: dispose(${id}) failed: ${this.#describe(id)}. ` +
          `Each buffer is disposed exactly once, by the engine that created it; dispose tensors, not data ids.`,
      );
    this.#buffers.delete(id);
    this.#elements -= entry.size;
    if (!(entry.value instanceof Float32Array)) entry.value.delete();
    if (entry.owner) this.#cache.release(entry.owner);
  }

  memory(): MemoryInfo {
    return { buffers: this.#buffers.size - this.#derivedCount, bytes: this.#elements * 4 };
  }

  /** Deletes every buffer (the backend is being destroyed). */
  clear(): void {
    this.#derived.clear(); // kept derived buffers are in #buffers too: deleted below, once
    this.#derivedCount = 0;
    for (const id of [...this.#buffers.keys()]) this.delete(id);
  }

  #entry(id: DataId, what: string): Entry {
    const e = this.#buffers.get(id);
    if (!e) throw new BackendError(`gpujs backend: ${this.#describe(id)}; it cannot be ${what}.`);
    return e;
  }

  #describe(id: DataId): string {
    return Number.isInteger(id) && id >= 1 && id < this.#next
      ? `buffer ${id} was already disposed`
      : `buffer ${id} was never created by this backend (an id from another backend?)`;
  }
}
