/**
 * The device side of the backend: tensor buffers (pooled by size class), compiled pipelines
 * (one per shader text), and one command encoder that collects every dispatch until something
 * needs the GPU to catch up (a read, a write, or a full parameter ring). Recording a training
 * step therefore costs no host round trip: the commands are submitted in batches and only a
 * `read` waits (`mapAsync`).
 *
 * Ordering: dispatches run in recording order, so a buffer freed by one op and reused by the
 * next is safe within a batch. `queue.writeBuffer` runs at once on the queue timeline, so a
 * write first submits the pending batch (a pooled buffer may still be an input of it).
 */
import { BackendError, type DataId } from '@recurrent/core';
import { destroyed, gpuValidation, WebgpuDeviceLostError, WebgpuOutOfMemoryError } from './errors.js';
import { PARAMS_BYTES, type Params, WG } from './wgsl.js';

interface Buf {
  buffer: GPUBuffer;
  /** Elements of the tensor. */
  size: number;
  /** Bytes of the buffer (its size class). */
  capacity: number;
}

/** Dispatches whose parameter blocks one ring holds; a full ring submits the batch. */
const RING_SLOTS = 128;
/** Uniform buffer offsets must be multiples of this (WebGPU's minimum for every device). */
const SLOT_BYTES = 256;
/** Elements per dispatch dimension: 65535 workgroups of WG invocations. */
const MAX_GROUPS = 65535;

export interface Dispatch {
  /** The shader text (its pipeline is compiled once and cached by text). */
  shader: string;
  inputs: readonly DataId[];
  outputs: readonly DataId[];
  params: Params;
  /** Workgroups to launch: a count (spread over x and y) or explicit [x, y]. */
  groups: number | [number, number];
}

export class Runtime {
  readonly device: GPUDevice;
  readonly #store = new Map<DataId, Buf>();
  readonly #pool = new Map<number, GPUBuffer[]>();
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  #nextId = 1;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  readonly #ring: GPUBuffer;
  readonly #ringData = new ArrayBuffer(RING_SLOTS * SLOT_BYTES);
  #slot = 0;
  #flushScheduled = false;
  #lost: { reason: string; message: string } | undefined;
  #error: GPUError | undefined;
  #destroyed = false;
  /** Bytes of live tensors, and of every buffer this runtime holds (live and pooled). */
  bytes = 0;
  gpuBytes = 0;
  /** Counters for benchmarks and tests. */
  dispatches = 0;
  submits = 0;

  constructor(device: GPUDevice) {
    this.device = device;
    device.lost.then((info) => {
      this.#lost = { reason: info.reason, message: info.message };
    });
    device.addEventListener('uncapturederror', (ev) => {
      this.#error ??= (ev as GPUUncapturedErrorEvent).error;
    });
    this.#ring = device.createBuffer({ size: RING_SLOTS * SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Throws the typed error for a destroyed backend, a lost device, or an earlier GPU error. */
  check(where: string): void {
    if (this.#destroyed) throw destroyed(where);
    if (this.#lost) throw new WebgpuDeviceLostError(where, this.#lost.reason, this.#lost.message);
    const err = this.#error;
    if (err) {
      if (err instanceof GPUOutOfMemoryError) throw new WebgpuOutOfMemoryError(where, err.message);
      throw gpuValidation(where, err.message);
    }
  }

  // ---- buffers -----------------------------------------------------------------------

  /** A new buffer for `size` float32 elements (from the pool when one of its class is free). */
  alloc(size: number, where: string): DataId {
    const capacity = sizeClass(size * 4);
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (capacity > limit)
      throw new WebgpuOutOfMemoryError(where, `a tensor of ${size} elements needs ${size * 4} bytes; this device allows ${limit} bytes per buffer`);
    let buffer = this.#pool.get(capacity)?.pop();
    if (!buffer) {
      buffer = this.device.createBuffer({ size: capacity, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      this.gpuBytes += capacity;
    }
    const id = this.#nextId++;
    this.#store.set(id, { buffer, size, capacity });
    this.bytes += size * 4;
    return id;
  }

  get(id: DataId, where: string): Buf {
    const b = this.#store.get(id);
    if (!b) throw new BackendError(`webgpu backend: ${where} got buffer ${id}, which is not live (already disposed, or from another backend).`);
    return b;
  }

  /** Returns a buffer to the pool (commands already recorded that use it still see its data). */
  free(id: DataId): void {
    const b = this.#store.get(id);
    if (!b) throw new BackendError(`webgpu backend: dispose got buffer ${id}, which is not live (disposed twice?).`);
    this.#store.delete(id);
    this.bytes -= b.size * 4;
    const list = this.#pool.get(b.capacity) ?? [];
    list.push(b.buffer);
    this.#pool.set(b.capacity, list);
  }

  get live(): number {
    return this.#store.size;
  }

  get pooled(): number {
    let n = 0;
    for (const l of this.#pool.values()) n += l.length;
    return n;
  }

  write(id: DataId, values: Float32Array): void {
    this.flush(); // earlier commands may still read this (pooled) buffer
    if (values.length > 0) this.device.queue.writeBuffer(this.get(id, 'write').buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  /** Copies a buffer back to the host: submits everything pending, then waits for the map. */
  async read(id: DataId): Promise<Float32Array> {
    const b = this.get(id, 'read');
    const bytes = Math.max(4, b.size * 4);
    const staging = this.device.createBuffer({ size: alignTo(bytes, 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      // Errors of the pending commands (e.g. a buffer the GPU could not allocate, reported
      // asynchronously) come back here, so a read never returns the zeros of a failed command.
      this.device.pushErrorScope('validation');
      this.#endPass();
      this.#encoderFor().copyBufferToBuffer(b.buffer, 0, staging, 0, alignTo(bytes, 4));
      this.flush();
      const failed = this.device.popErrorScope();
      try {
        await staging.mapAsync(GPUMapMode.READ);
      } catch (e) {
        this.check('read');
        throw new BackendError(`webgpu: reading a buffer failed: ${(e as Error).message}`);
      }
      const err = await failed;
      this.check('read');
      if (err) throw gpuValidation('read', err.message);
      return new Float32Array(staging.getMappedRange().slice(0, b.size * 4));
    } finally {
      staging.destroy();
    }
  }

  // ---- dispatches --------------------------------------------------------------------

  #pipeline(shader: string): GPUComputePipeline {
    let p = this.#pipelines.get(shader);
    if (!p) {
      const module = this.device.createShaderModule({ code: shader });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.#pipelines.set(shader, p);
    }
    return p;
  }

  #encoderFor(): GPUCommandEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    if (!this.#flushScheduled) {
      // Submit what a synchronous burst of ops recorded once it ends, so the GPU starts early.
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        if (!this.#destroyed) this.flush();
      });
    }
    return this.#encoder;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }

  /** Records one dispatch into the pending batch. */
  run(d: Dispatch): void {
    if (this.#slot === RING_SLOTS) this.flush();
    const slot = this.#slot++;
    const u = new Uint32Array(this.#ringData, slot * SLOT_BYTES, 8);
    const f = new Float32Array(this.#ringData, slot * SLOT_BYTES + 32, 8);
    u.fill(0);
    f.fill(0);
    u.set(d.params.u ?? []);
    f.set(d.params.f ?? []);
    const pipeline = this.#pipeline(d.shader);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#ring, offset: slot * SLOT_BYTES, size: PARAMS_BYTES } }];
    [...d.inputs, ...d.outputs].forEach((id, k) => entries.push({ binding: k + 1, resource: { buffer: this.get(id, 'dispatch').buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.#encoderFor();
    this.#pass ??= encoder.beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    const [x, y] = typeof d.groups === 'number' ? spread(d.groups) : d.groups;
    if (x > 0 && y > 0) this.#pass.dispatchWorkgroups(x, y);
    this.dispatches++;
  }

  /** One dispatch with an invocation per element (`count` of them). */
  groupsFor(count: number): number {
    return Math.ceil(count / WG);
  }

  /** Copies `size` elements between buffers (a command, not a shader). */
  copy(src: DataId, srcOffset: number, dst: DataId, dstOffset: number, size: number): void {
    if (size === 0) return;
    const s = this.get(src, 'copy').buffer;
    const t = this.get(dst, 'copy').buffer;
    this.#endPass();
    this.#encoderFor().copyBufferToBuffer(s, srcOffset * 4, t, dstOffset * 4, size * 4);
  }

  /** Submits the pending batch (with its parameter blocks). */
  flush(): void {
    if (!this.#encoder) return;
    this.#endPass();
    if (this.#slot > 0) this.device.queue.writeBuffer(this.#ring, 0, this.#ringData, 0, this.#slot * SLOT_BYTES);
    this.device.queue.submit([this.#encoder.finish()]);
    this.submits++;
    this.#encoder = undefined;
    this.#slot = 0;
  }

  destroy(ownDevice: boolean): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#encoder = undefined;
    this.#pass = undefined;
    for (const b of this.#store.values()) b.buffer.destroy();
    for (const l of this.#pool.values()) for (const b of l) b.destroy();
    this.#store.clear();
    this.#pool.clear();
    this.#ring.destroy();
    this.bytes = 0;
    this.gpuBytes = 0;
    if (ownDevice) this.device.destroy();
  }
}

const alignTo = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Buffer sizes in steps of a quarter of a power of two (at most 25% unused), at least 16 bytes. */
function sizeClass(bytes: number): number {
  if (bytes <= 16) return 16;
  const step = 2 ** Math.max(4, Math.ceil(Math.log2(bytes)) - 2);
  return alignTo(bytes, step);
}

/** A workgroup count as an x, y grid within the per-dimension limit. */
function spread(groups: number): [number, number] {
  if (groups <= MAX_GROUPS) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y];
}
