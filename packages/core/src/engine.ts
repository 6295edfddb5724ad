/**
 * The engine: tensor handles over one backend, shape-checked ops, and ownership scopes.
 *
 * Ownership rules (explicit, like llm.c's buffers rather than a garbage-collected tape):
 *  - every op returns a new Tensor the caller owns; `t.dispose()` frees it exactly once;
 *  - `engine.scope(fn)` disposes every tensor created inside `fn` that `fn` does not return
 *    (tensors anywhere in the returned value, arrays and plain objects included, survive)
 *    and that was not passed to `engine.keep`;
 *  - `reshape` shares the buffer; the buffer is freed when its last handle is disposed.
 */
import type { Backend, DataId, FusedAttrsOf, FusedName, FusedSpec, OpAttrs, OpName, Shape } from './backend.js';
import { BackendError, DisposedError, InputError, ShapeError, fmtShape } from './errors.js';
import { fusedFallbacks } from './internal/fallbacks.js';
import { fusedShapeRules } from './internal/fused-shapes.js';
import { shapeRules, sizeOf } from './internal/shapes.js';

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  readonly engine: Engine;
  #dataId: DataId;
  #disposed = false;

  /** @internal use engine.tensor / engine ops. */
  constructor(engine: Engine, dataId: DataId, shape: Shape) {
    this.engine = engine;
    this.#dataId = dataId;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The backend buffer. Throws if the tensor was disposed. */
  dataIdFor(where: string): DataId {
    if (this.#disposed) throw new DisposedError(where, this.shape);
    return this.#dataId;
  }

  /** Reads the values (async: GPU backends do not stall the page). */
  async data(): Promise<Float32Array | Float64Array> {
    return this.engine.backend.read(this.dataIdFor('data()'));
  }

  /** Reads the values synchronously. */
  dataSync(): Float32Array | Float64Array {
    return this.engine.backend.readSync(this.dataIdFor('dataSync()'));
  }

  /** Reads the values into a plain number array. */
  toArray(): number[] {
    return Array.from(this.dataSync());
  }

  /** Same data, new shape. Shares the buffer (no copy). */
  reshape(shape: Shape): Tensor {
    if (sizeOf(shape) !== this.size)
      throw new ShapeError('reshape', this.shape, `a shape with ${sizeOf(shape)} elements for target ${fmtShape(shape)}`);
    return this.engine.wrap(this.dataIdFor('reshape'), shape);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.engine.release(this, this.#dataId);
  }
}

export interface EngineMemory {
  /** Live tensor handles created by this engine. */
  tensors: number;
  /** Buffers the backend holds. */
  buffers: number;
  bytes: number;
}

type OpArgs<K extends OpName> = K extends 'stackTime' | 'concatCols' ? Tensor[] : never;

/** Collects every Tensor in a (nested array / plain object) value. */
function collectTensors(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
}

/** The index of the first NaN or infinity, or -1 (one loop per array type, so each stays monomorphic). */
function firstNonFinite32(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
function firstNonFinite64(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

export class Engine {
  readonly backend: Backend;
  #refs = new Map<DataId, number>();
  #live = new Set<Tensor>();
  #scopes: Set<Tensor>[] = [];
  #kept = new Set<Tensor>();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  // ---- handles -----------------------------------------------------------------------

  /** @internal */
  wrap(dataId: DataId, shape: Shape): Tensor {
    const t = new Tensor(this, dataId, shape);
    this.#refs.set(dataId, (this.#refs.get(dataId) ?? 0) + 1);
    this.#live.add(t);
    this.#scopes[this.#scopes.length - 1]?.add(t);
    return t;
  }

  /** @internal */
  release(t: Tensor, dataId: DataId): void {
    this.#live.delete(t);
    this.#kept.delete(t);
    const n = (this.#refs.get(dataId) ?? 1) - 1;
    if (n > 0) this.#refs.set(dataId, n);
    else {
      this.#refs.delete(dataId);
      this.backend.dispose(dataId);
    }
  }

  /** Uploads values as a new tensor. Values are checked for NaN/Infinity. */
  tensor(values: ArrayLike<number>, shape: Shape, where = 'tensor'): Tensor {
    const n = sizeOf(shape);
    if (values.length !== n)
      throw new ShapeError(where, [values.length], `${n} values for shape ${fmtShape(shape)}`);
    const precision = this.backend.precision;
    // Typed arrays (a model's input batch at every step): one monomorphic check, then no copy of
    // our own when the type is the backend's (Backend.write copies; the conformance suite checks
    // it): a fresh array of W2's 51,200 inputs cost 0.24 ms a step in page faults, 20x its copy.
    const bad = values instanceof Float32Array ? firstNonFinite32(values) : values instanceof Float64Array ? firstNonFinite64(values) : firstNonFinite(values);
    if (bad >= 0) throw new InputError(`${where}: value ${values[bad]} at flat index ${bad} of ${fmtShape(shape)} is not a finite number.`);
    let arr: Float32Array | Float64Array;
    if ((precision === 'float32' && values instanceof Float32Array) || (precision === 'float64' && values instanceof Float64Array)) arr = values;
    else {
      arr = precision === 'float64' ? new Float64Array(n) : new Float32Array(n);
      if (values instanceof Float32Array || values instanceof Float64Array) arr.set(values);
      else for (let i = 0; i < n; i++) arr[i] = values[i];
    }
    return this.wrap(this.backend.write(arr, shape), shape);
  }

  zeros(shape: Shape): Tensor {
    return this.run('fill', [], { shape, value: 0 });
  }

  fill(shape: Shape, value: number): Tensor {
    return this.run('fill', [], { shape, value });
  }

  /**
   * Runs `fn`, then disposes every tensor it created except those in its return value and
   * those passed to `keep`. Scopes nest.
   */
  scope<T>(fn: () => T): T {
    const mine = new Set<Tensor>();
    this.#scopes.push(mine);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#scopes.pop();
      for (const t of mine) if (!this.#kept.has(t)) t.dispose();
      throw e;
    }
    this.#scopes.pop();
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    const outer = this.#scopes[this.#scopes.length - 1];
    for (const t of mine) {
      if (keep.has(t) || this.#kept.has(t)) {
        if (!this.#kept.has(t)) outer?.add(t);
      } else t.dispose();
    }
    return result;
  }

  /** Marks tensors as owned by the caller, outliving every enclosing scope. */
  keep<T extends Tensor | Tensor[]>(t: T): T {
    for (const x of Array.isArray(t) ? t : [t]) this.#kept.add(x);
    return t;
  }

  memory(): EngineMemory {
    const m = this.backend.memory();
    return { tensors: this.#live.size, buffers: m.buffers, bytes: m.bytes };
  }

  // ---- running ops -------------------------------------------------------------------

  /** Runs one primitive op: shape check, kernel, new handle. */
  run<K extends OpName>(op: K, inputs: Tensor[], attrs: OpAttrs<K>): Tensor {
    const infos = inputs.map((t, i) => {
      if (!(t instanceof Tensor)) throw new BackendError(`${op}: input ${i} is not a Tensor (got ${typeof t}).`);
      if (t.engine !== this)
        throw new BackendError(
          `${op}: input ${i} belongs to another engine (backend '${t.engine.backend.name}'); ` +
            `this engine runs on '${this.backend.name}'. Move tensors with engine.tensor(await t.data(), t.shape).`,
        );
      return { dataId: t.dataIdFor(op), shape: t.shape };
    });
    const rule = shapeRules[op] as (s: Shape[], a: OpAttrs<K>) => Shape;
    const outShape = rule(
      infos.map((i) => i.shape),
      attrs,
    );
    const kernel = this.backend.kernels[op] as (i: unknown, a: unknown, s: Shape) => DataId;
    return this.wrap(kernel(infos, attrs, outShape), outShape);
  }

  /**
   * Runs a fused op: the backend's kernel when it has one and it accepts the attributes, else
   * the same computation from primitives (internal/fallbacks.ts). Set `useFused = false` to
   * force the fallback. Every call is counted (see fusedCounts).
   */
  fused<K extends FusedName>(
    op: K,
    inputs: Tensor[],
    attrs: FusedAttrsOf<K>,
  ): { [O in keyof FusedSpec[K]['outputs']]: Tensor } {
    const shapes = inputs.map((t) => t.shape);
    const outShapes = (fusedShapeRules[op] as (s: Shape[]) => Record<string, Shape>)(shapes);
    const kernel = this.useFused ? (this.backend.fused[op] as unknown) : undefined;
    const count = (this.#fusedCounts[op] ??= { kernel: 0, fallback: 0, declined: 0 });
    if (typeof kernel === 'function') {
      const infos = inputs.map((t) => ({ dataId: t.dataIdFor(op), shape: t.shape }));
      const ids = (kernel as (i: unknown, a: unknown, o: unknown) => Record<string, DataId> | null)(infos, attrs, outShapes);
      if (ids) {
        count.kernel++;
        const out: Record<string, Tensor> = {};
        for (const k of Object.keys(outShapes)) out[k] = this.wrap(ids[k], outShapes[k]);
        return out as { [O in keyof FusedSpec[K]['outputs']]: Tensor };
      }
      count.declined++;
    }
    count.fallback++;
    const fb = fusedFallbacks[op] as unknown as (e: Engine, i: Tensor[], a: unknown) => Record<string, Tensor>;
    return this.scope(() => fb(this, inputs, attrs)) as { [O in keyof FusedSpec[K]['outputs']]: Tensor };
  }

  #fusedCounts: Partial<Record<FusedName, FusedCount>> = {};

  /**
   * How often each fused op ran as the backend's kernel or as core's fallback since the last
   * reset, and how many of the fallbacks were a backend kernel declining its attributes.
   * The conformance suite asserts that fused runs never fall back where a kernel exists.
   */
  fusedCounts(reset = false): Partial<Record<FusedName, FusedCount>> {
    const out = Object.fromEntries(Object.entries(this.#fusedCounts).map(([k, v]) => [k, { ...v }]));
    if (reset) this.#fusedCounts = {};
    return out;
  }

  /** Whether `fused` uses the backend's fused kernels (tests turn this off to check fallbacks). */
  useFused = true;

  // ---- typed op helpers ----------------------------------------------------------------
  neg = (x: Tensor) => this.run('neg', [x], {});
  exp = (x: Tensor) => this.run('exp', [x], {});
  log = (x: Tensor) => this.run('log', [x], {});
  sqrt = (x: Tensor) => this.run('sqrt', [x], {});
  abs = (x: Tensor) => this.run('abs', [x], {});
  sign = (x: Tensor) => this.run('sign', [x], {});
  square = (x: Tensor) => this.run('square', [x], {});
  tanh = (x: Tensor) => this.run('tanh', [x], {});
  sigmoid = (x: Tensor) => this.run('sigmoid', [x], {});
  relu = (x: Tensor) => this.run('relu', [x], {});
  tanhGrad = (y: Tensor, dy: Tensor) => this.run('tanhGrad', [y, dy], {});
  sigmoidGrad = (y: Tensor, dy: Tensor) => this.run('sigmoidGrad', [y, dy], {});
  reluGrad = (y: Tensor, dy: Tensor) => this.run('reluGrad', [y, dy], {});
  add = (a: Tensor, b: Tensor) => this.run('add', [a, b], {});
  sub = (a: Tensor, b: Tensor) => this.run('sub', [a, b], {});
  mul = (a: Tensor, b: Tensor) => this.run('mul', [a, b], {});
  div = (a: Tensor, b: Tensor) => this.run('div', [a, b], {});
  maximum = (a: Tensor, b: Tensor) => this.run('maximum', [a, b], {});
  affine = (x: Tensor, scale: number, shift = 0) => this.run('affine', [x], { scale, shift });
  scale = (x: Tensor, s: number) => this.run('affine', [x], { scale: s, shift: 0 });
  clip = (x: Tensor, min: number, max: number) => this.run('clip', [x], { min, max });
  where = (cond: Tensor, a: Tensor, b: Tensor) => this.run('where', [cond, a, b], {});
  matmul = (a: Tensor, b: Tensor, opts: { transposeA?: boolean; transposeB?: boolean; bias?: Tensor } = {}) =>
    this.run('matmul', opts.bias ? [a, b, opts.bias] : [a, b], {
      transposeA: opts.transposeA ?? false,
      transposeB: opts.transposeB ?? false,
    });
  sumBatch = (x: Tensor) => this.run('sumBatch', [x], {});
  sumLast = (x: Tensor) => this.run('sumLast', [x], {});
  sumAll = (x: Tensor) => this.run('sumAll', [x], {});
  softmax = (x: Tensor) => this.run('softmax', [x], {});
  logSoftmax = (x: Tensor) => this.run('logSoftmax', [x], {});
  sliceTime = (x: Tensor, t: number) => this.run('sliceTime', [x], { t });
  stackTime = (xs: OpArgs<'stackTime'>) => this.run('stackTime', xs, {});
  sliceCols = (x: Tensor, start: number, size: number) => this.run('sliceCols', [x], { start, size });
  concatCols = (xs: OpArgs<'concatCols'>) => this.run('concatCols', xs, {});
  oneHot = (labels: Tensor, depth: number) => this.run('oneHot', [labels], { depth });
  gatherRows = (table: Tensor, indices: Tensor) => this.run('gatherRows', [table, indices], {});
  scatterAddRows = (values: Tensor, indices: Tensor, rows: number) => this.run('scatterAddRows', [values, indices], { rows });
}

/** Calls of one fused op: by the backend's kernel, by core's fallback, and kernels that declined. */
export interface FusedCount {
  kernel: number;
  fallback: number;
  declined: number;
}

/** Creates an engine over a backend. One engine per backend instance is typical. */
export function createEngine(backend: Backend): Engine {
  return new Engine(backend);
}
