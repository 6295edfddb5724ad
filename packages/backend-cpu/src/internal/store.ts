import { BackendError, type DataId, type MemoryInfo } from '@recurrent/core';
import type { F32 } from './types.js';

/** The backend's buffers: ids handed out in order, arrays held in a Map, bytes counted as they come and go. */
export class BufferStore {
  #buffers = new Map<DataId, F32>();
  #next = 1;
  #bytes = 0;

  put(values: F32): DataId {
    const id = this.#next++;
    this.#buffers.set(id, values);
    this.#bytes += values.byteLength;
    return id;
  }

  get(id: DataId): F32 {
    const b = this.#buffers.get(id);
    if (b === undefined) throw new BackendError(`cpu backend: ${this.#describe(id)}; it cannot be read or used as an op input.`);
    return b;
  }

  delete(id: DataId): void {
    const b = this.#buffers.get(id);
    if (b === undefined)
      throw new BackendError(
        `cpu backend: dispose(${id}) failed: ${this.#describe(id)}. ` +
          `Each buffer is disposed exactly once, by the engine that created it; dispose tensors, not data ids.`,
      );
    this.#buffers.delete(id);
    this.#bytes -= b.byteLength;
  }

  memory(): MemoryInfo {
    return { buffers: this.#buffers.size, bytes: this.#bytes };
  }

  clear(): void {
    this.#buffers.clear();
    this.#bytes = 0;
  }

  #describe(id: DataId): string {
    return Number.isInteger(id) && id >= 1 && id < this.#next
      ? `buffer ${id} was already disposed`
      : `buffer ${id} was never created by this backend (an id from another backend?)`;
  }
}
