/**
 * Our buffer table: core's numeric DataIds -> the tfjs TensorInfo (a packed texture) that holds
 * the data, stored as a 2-D matrix (see `mat`). Each buffer is freed exactly once.
 */
import type { DataId, Shape, TensorInfo } from '@recurrent/core';
import { BackendError, sizeOf } from '@recurrent/core';
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import type { CountingWebGL } from './context.js';

/** A tensor's 2-D storage shape: every leading dimension folded into rows; a vector is one row. */
export const mat = (shape: Shape): [number, number] =>
  shape.length === 0 ? [1, 1] : [sizeOf(shape.slice(0, -1)), shape[shape.length - 1]];

export class Store {
  readonly #be: CountingWebGL;
  readonly #map = new Map<DataId, TfInfo>();
  #next = 1;
  #bytes = 0;

  constructor(be: CountingWebGL) {
    this.#be = be;
  }

  /** Takes ownership of a tfjs tensor; returns its new DataId. */
  put(info: TfInfo): DataId {
    const id = this.#next++;
    this.#map.set(id, info);
    this.#bytes += sizeOf(info.shape) * 4;
    return id;
  }

  get(id: DataId, where: string): TfInfo {
    const info = this.#map.get(id);
    if (!info) throw new BackendError(`webgl backend: ${where}: buffer ${id} does not exist (already disposed?).`);
    return info;
  }

  /** A kernel input: the stored texture seen as the 2-D matrix of the shape core asks for. */
  input(t: TensorInfo, where: string): TfInfo {
    const info = this.get(t.dataId, where);
    return { dataId: info.dataId, shape: mat(t.shape), dtype: 'float32' };
  }

  delete(id: DataId): void {
    const info = this.#map.get(id);
    if (!info) throw new BackendError(`webgl backend: buffer ${id} disposed twice.`);
    this.#map.delete(id);
    this.#bytes -= sizeOf(info.shape) * 4;
    this.#be.disposeData(info.dataId);
  }

  /** Forgets every buffer without touching the GPU (after a context loss or destroy). */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#map.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
