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

  delete(id: DataId): void {
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
    return { buffers: this.#buffers.size, bytes: this.#elements * 4 };
  }

  /** Deletes every buffer (the backend is being destroyed). */
  clear(): void {
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
