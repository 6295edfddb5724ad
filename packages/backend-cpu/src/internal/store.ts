import { BackendError, type DataId, type MemoryInfo } from '@recurrent/core';
import type { F32 } from './types.js';

/**
 * Where the backend's buffers live. Kernels allocate every output first (`alloc`) and only
 * then take views (`get`) of inputs and outputs: in the WebAssembly heap an allocation may
 * grow the memory, which detaches every view taken before it.
 *
 * Buffers are immutable once a kernel has written them (the op interface has no in-place
 * update), which is what makes `transposed` (a cached transposed copy) safe.
 */
export interface Store {
  /** A new buffer of n floats. Zero-filled only when `zero` is set (reused heap blocks hold old values). */
  alloc(n: number, zero?: boolean): DataId;
  get(id: DataId): F32;
  delete(id: DataId): void;
  memory(): MemoryInfo;
  clear(): void;
}

/** Buffer bookkeeping shared by both stores: ids in order, byte counts, clear errors. */
export abstract class StoreBase<E extends { bytes: number }> {
  protected entries = new Map<DataId, E>();
  #next = 1;
  #bytes = 0;

  protected add(e: E): DataId {
    const id = this.#next++;
    this.entries.set(id, e);
    this.#bytes += e.bytes;
    return id;
  }

  protected entry(id: DataId): E {
    const e = this.entries.get(id);
    if (e === undefined) throw new BackendError(`cpu backend: ${this.#describe(id)}; it cannot be read or used as an op input.`);
    return e;
  }

  protected remove(id: DataId): E {
    const e = this.entries.get(id);
    if (e === undefined)
      throw new BackendError(
        `cpu backend: dispose(${id}) failed: ${this.#describe(id)}. ` +
          `Each buffer is disposed exactly once, by the engine that created it; dispose tensors, not data ids.`,
      );
    this.entries.delete(id);
    this.#bytes -= e.bytes;
    return e;
  }

  memory(): MemoryInfo {
    return { buffers: this.entries.size, bytes: this.#bytes };
  }

  protected reset(): void {
    this.entries.clear();
    this.#bytes = 0;
  }

  #describe(id: DataId): string {
    return Number.isInteger(id) && id >= 1 && id < this.#next
      ? `buffer ${id} was already disposed`
      : `buffer ${id} was never created by this backend (an id from another backend?)`;
  }
}

/** The plain store: one Float32Array per buffer, freed by the garbage collector. */
export class ArrayStore extends StoreBase<{ bytes: number; values: F32 }> implements Store {
  alloc(n: number): DataId {
    const values = new Float32Array(n);
    return this.add({ bytes: values.byteLength, values });
  }

  get(id: DataId): F32 {
    return this.entry(id).values;
  }

  delete(id: DataId): void {
    this.remove(id);
  }

  clear(): void {
    this.reset();
  }
}
