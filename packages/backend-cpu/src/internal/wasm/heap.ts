/**
 * The WebAssembly heap store: every buffer is a block of one WebAssembly.Memory, so the SIMD
 * kernels read and write tensors in place, and the TypeScript kernels use Float32Array views
 * of the same blocks.
 *
 * Allocation: sizes are rounded up to a size class (64-byte steps up to 64 KB, then 1/8 of a
 * power of two), freed blocks go to a free list per class, and a new block comes from the top
 * of the heap. A training loop allocates the same sizes every step, so after the first step
 * every block is reused and the heap stops growing. When the heap is full the memory grows by
 * at least half its size (fewer grows; untouched pages cost no resident memory). WebAssembly
 * memory never shrinks: `clear()` (the backend's destroy) frees every block for reuse; the
 * memory itself goes when the backend is garbage-collected.
 *
 * Views are cached per block and rebuilt after a grow (growing detaches the old ArrayBuffer);
 * a freed block keeps its view for its next use. Derived copies (the matmul's transposes and
 * packed panels) hang off their source block: see `newDerived`.
 */
import { BackendError, type DataId } from '@recurrent/core';
import { StoreBase, type Store } from '../store.js';
import type { F32 } from '../types.js';

const PAGE = 65536;
/** Bytes below this are never handed out, so a pointer of 0 can mean "none". */
const RESERVED = 64;

/** A block of the heap. Freed blocks keep their view object, so a block reused for the same length needs no new view. */
interface Block {
  bytes: number;
  ptr: number;
  length: number;
  size: number;
  view: F32 | null;
  gen: number;
  /** Held data before (came from a free list); fresh blocks from the top are zero. */
  dirty: boolean;
  /** Copies derived from this (immutable) buffer, by key (a transposed copy, packed panels), freed with it. */
  derived?: Map<string, Block>;
  /** Keys of derived copies made once already (the second request caches). */
  seen?: Set<string>;
}

export function sizeClass(bytes: number): number {
  if (bytes <= 65536) return Math.max(64, (bytes + 63) & ~63);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

export interface HeapOptions {
  /** Initial memory in 64 KiB pages (tests use a small heap so growth happens often). */
  initialPages?: number;
  /** Fill reused blocks with NaN (tests: a kernel that reads an output before writing it fails). */
  poison?: boolean;
  /**
   * A shared memory (`WebAssembly.Memory({ shared: true })`, over a SharedArrayBuffer) that the
   * worker threads of a threaded backend instantiate the kernels over. A shared memory needs a
   * maximum: MAX_PAGES (4 GiB, the wasm32 limit, as an unshared heap) of address space is
   * reserved, not committed.
   */
  shared?: boolean;
}

/** 4 GiB in pages: the most a wasm32 memory can address (the kernels' modules declare it for a shared heap). */
export const MAX_PAGES = 65536;

/**
 * The part of `WebAssembly.Memory` the heap uses: declared here so the published types need no
 * DOM library (Node projects compile with lib ES2022, which has no WebAssembly namespace).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

export class WasmHeap extends StoreBase<Block> implements Store {
  readonly wasmMemory: WasmMemory;
  #free = new Map<number, Block[]>();
  #top = RESERVED;
  #gen = 0;
  #buffer: ArrayBuffer;
  readonly #poison: boolean;

  constructor(opts: HeapOptions = {}) {
    super();
    const initial = opts.initialPages ?? 256;
    this.wasmMemory = new WebAssembly.Memory(opts.shared ? { initial, maximum: MAX_PAGES, shared: true } : { initial });
    this.#buffer = this.wasmMemory.buffer as ArrayBuffer;
    this.#poison = opts.poison ?? false;
  }

  alloc(n: number, zero = false): DataId {
    const b = this.#take(sizeClass(n * 4));
    if (b.length !== n) {
      b.length = n;
      b.view = null;
    }
    b.bytes = n * 4;
    const id = this.add(b);
    if (zero ? b.dirty : this.#poison) this.get(id).fill(zero ? 0 : Number.NaN);
    return id;
  }

  /** Byte address of a buffer, for the WebAssembly kernels. */
  ptr(id: DataId): number {
    return this.entry(id).ptr;
  }

  get(id: DataId): F32 {
    const b = this.entry(id);
    if (b.gen !== this.#gen || b.view === null) {
      b.view = new Float32Array(this.#buffer, b.ptr, b.length);
      b.gen = this.#gen;
    }
    return b.view;
  }

  /**
   * Copies derived from a buffer, for the matmul (its transpose, its packed panels). Buffers
   * never change once written, so a derived copy stays valid while its source lives.
   * `cachedDerived` returns the copy kept under `key`, or 0; `newDerived` returns a block of
   * `bytes` for the caller to fill before anything else allocates: kept with the buffer (and
   * freed with it) when `keep` or when this key was requested before (weights used at every
   * step), else temporary, freed by `releaseTemps()` (operands used once). Not buffers:
   * memory() does not count them.
   */
  cachedDerived(id: DataId, key: string): number {
    return this.entry(id).derived?.get(key)?.ptr ?? 0;
  }

  newDerived(id: DataId, key: string, bytes: number, keep = false): number {
    const b = this.entry(id);
    const t = this.#take(sizeClass(bytes));
    t.length = -1; // not a buffer: no view
    t.view = null;
    if (keep || b.seen?.has(key)) (b.derived ??= new Map()).set(key, t);
    else {
      (b.seen ??= new Set()).add(key);
      this.#temps.push(t);
    }
    return t.ptr;
  }

  /** A temporary block of `bytes` (a kernel's scratch space), freed by `releaseTemps()`. Not zeroed. */
  temp(bytes: number): number {
    const t = this.#take(sizeClass(bytes));
    t.length = -1;
    t.view = null;
    this.#temps.push(t);
    return t.ptr;
  }

  /** Frees the temporary blocks (derived copies made once, scratch space). */
  releaseTemps(): void {
    for (const t of this.#temps) this.#give(t);
    this.#temps.length = 0;
  }

  #temps: Block[] = [];

  /** The whole heap as floats (for kernels that address it by pointer / 4). Invalid after the next allocation. */
  floats(): F32 {
    return new Float32Array(this.#buffer);
  }

  delete(id: DataId): void {
    const b = this.remove(id);
    this.#give(b);
    if (b.derived) for (const d of b.derived.values()) this.#give(d);
    b.derived = undefined;
    b.seen = undefined;
  }

  /** A block of `size` bytes: a freed one of the same class, else a new one (length -1) from the top. */
  #take(size: number): Block {
    const b = this.#free.get(size)?.pop();
    if (b !== undefined) return b;
    const ptr = this.#top;
    this.#top += size;
    this.#ensure(this.#top);
    return { bytes: 0, ptr, length: -1, size, view: null, gen: -1, dirty: false };
  }

  #give(b: Block): void {
    b.dirty = true;
    let list = this.#free.get(b.size);
    if (!list) this.#free.set(b.size, (list = []));
    list.push(b);
  }

  clear(): void {
    this.reset();
    new Uint8Array(this.#buffer, 0, this.#top).fill(0); // blocks from the top are zero, as fresh pages are
    this.#free.clear();
    this.#top = RESERVED;
  }

  #ensure(end: number): void {
    const have = this.wasmMemory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / 2 / PAGE));
    try {
      this.wasmMemory.grow(pages);
    } catch (e) {
      throw new BackendError(
        `cpu backend: the WebAssembly heap could not grow from ${have / 2 ** 20} MiB to ${(have + pages * PAGE) / 2 ** 20} MiB ` +
          `(${(e as Error).message}). Dispose tensors you no longer need, or use createCpuBackend({ simd: false }).`,
      );
    }
    this.#buffer = this.wasmMemory.buffer as ArrayBuffer; // a SharedArrayBuffer when shared: same views, never detached
    this.#gen++;
  }
}
