/**
 * The worker pool of a threaded CPU backend: `threads - 1` workers that instantiate the same
 * WebAssembly modules over the backend's shared memory, and a synchronous fork-join over
 * them. The calling thread runs slice 0 of a job itself, then blocks (Atomics.wait) until
 * every worker has run its slice, so a kernel call stays synchronous, as the Backend
 * interface requires.
 *
 * A job is one exported function called once per thread with that thread's arguments: the
 * caller splits work by OUTPUT (rows of a matmul, element ranges of Adam), so no sum changes
 * order and results are bit-identical for every thread count.
 *
 * Control words (Int32Array over a SharedArrayBuffer): [0] job generation, [1] workers still
 * running the current job, [2] stop, [3] a worker's slice threw, [4] workers started.
 *
 * Until every worker has started, jobs run all their slices on the calling thread, one after
 * the other (same values: the split is by output). A browser starts a Worker only once its
 * creator returns to its event loop, so a caller that blocked waiting for a new worker would
 * wait forever; in Node the first split kernels simply run on one thread while workers boot. Arguments: ARGS float64 slots
 * per thread ([function index, argument count, arguments...]; float64 holds every i32 pointer
 * and f32 attribute exactly).
 *
 * Where: Node (worker_threads, found through process.getBuiltinModule, so no Node import in the
 * browser bundle; Node >= 20.16) and dedicated Web Workers that can block (crossOriginIsolated).
 * A browser main thread cannot Atomics.wait: `threadSupport()` says why, and the backend runs
 * on one thread.
 */
import { BackendError } from '@recurrent/core';

/** Float64 slots per thread: function index, argument count, up to 22 arguments. */
const ARGS = 24;
/**
 * Checks of the control word before sleeping in Atomics.wait (a few microseconds). Longer
 * spins (200,000) were tried: on a machine shared with other processes a spinning thread takes
 * the core its partner needs, and a 4 MFLOP matmul went from 0.2 ms to 4 ms.
 */
const SPIN = 2000;
/** A worker that has not answered for this long is taken as dead (the caller throws instead of hanging). */
const TIMEOUT_MS = 60_000;

type WasmFn = (...args: number[]) => void;

/**
 * What a worker instantiates: the compiled modules by name (posted, not recompiled: the
 * threads share the engine's optimized code) and the functions jobs may call, as [module, export].
 */
export interface PoolSpec {
  memory: WebAssembly.Memory;
  modules: Record<string, WebAssembly.Module>;
  functions: [string, string][];
}

/** The worker body, as source (a worker cannot import this package's TypeScript). Kept plain ES2020. */
const WORKER_SOURCE = `
const start = ({ memory, modules, functions, control, args, index }) => {
  const instances = {};
  const fns = functions.map(([m, e]) => {
    instances[m] ??= new WebAssembly.Instance(modules[m], { env: { memory } }).exports;
    return instances[m][e];
  });
  const ctl = new Int32Array(control);
  const arg = new Float64Array(args);
  const base = index * ${ARGS};
  let seen = Atomics.load(ctl, 0);
  Atomics.add(ctl, 4, 1);
  for (;;) {
    for (let i = 0; i < ${SPIN} && Atomics.load(ctl, 0) === seen; i++);
    while (Atomics.load(ctl, 0) === seen) Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (Atomics.load(ctl, 2)) return;
    try {
      const n = arg[base + 1];
      const a = [];
      for (let i = 0; i < n; i++) a.push(arg[base + 2 + i]);
      fns[arg[base]](...a);
    } catch (e) {
      Atomics.store(ctl, 3, 1);
    }
    if (Atomics.sub(ctl, 1, 1) === 1) Atomics.notify(ctl, 1);
  }
};
if (typeof self === 'undefined') start(require('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

interface Handle {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (code: string, opts: { eval: true; workerData: unknown }) => Handle & { unref(): void };
}

const nodeModule = <T>(name: string): T | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return p?.getBuiltinModule?.(name) as T | undefined;
};

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Null when this runtime can run the pool, else the reason it cannot (for the one-line note). */
export function threadSupport(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP/COEP headers)';
  if (!canBlock()) return 'this thread cannot block in Atomics.wait (a browser main thread); create the backend in a Web Worker';
  if (nodeModule('node:worker_threads')) return null;
  if (typeof Worker === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) return null;
  return 'no worker threads here (Node < 20.16 lacks process.getBuiltinModule; a browser page needs cross-origin isolation)';
}

/** The default thread count: the available cores, at most `cap`. */
export function defaultThreads(cap: number): number {
  const os = nodeModule<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  const cores = os ? (os.availableParallelism?.() ?? os.cpus().length) : ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(cap, cores));
}

/**
 * Workers of a backend dropped without destroy() are terminated when it is garbage-collected
 * (they hold nothing that refers back to it), so forgotten backends leak no threads.
 */
const orphans = new FinalizationRegistry<Pool>((pool) => pool.dispose());

export class Pool {
  /** Threads that run a job, the caller included (1 after dispose). */
  threads: number;
  readonly #ctl: Int32Array;
  readonly #args: Float64Array;
  readonly #local: WasmFn[];
  readonly #spec: PoolSpec;
  readonly #workers: Handle[] = [];
  #started = false;

  /**
   * `local`: the caller's own instances of `spec.functions`, in the same order. The workers
   * start at the first job (a backend that never runs a large kernel starts no thread).
   * `owner`: the object whose collection terminates the workers (the backend).
   */
  constructor(threads: number, spec: PoolSpec, local: WasmFn[], owner?: object) {
    this.threads = threads;
    this.#local = local;
    this.#spec = spec;
    this.#ctl = new Int32Array(new SharedArrayBuffer(32));
    this.#args = new Float64Array(new SharedArrayBuffer(8 * ARGS * threads));
    if (owner) orphans.register(owner, this, this);
  }

  #start(): void {
    this.#started = true;
    const { memory, modules, functions } = this.#spec;
    const control = this.#ctl.buffer;
    const args = this.#args.buffer;
    const wt = nodeModule<NodeWorkerThreads>('node:worker_threads');
    for (let index = 1; index < this.threads; index++) {
      const data = { memory, modules, functions, control, args, index };
      if (wt) {
        const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data });
        w.unref(); // an idle pool never keeps a Node process alive
        this.#workers.push(w);
      } else {
        const w = new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' })));
        w.postMessage(data);
        this.#workers.push(w);
      }
    }
  }

  /** Whether every worker has started (before that, jobs run on the calling thread alone). */
  get ready(): boolean {
    return this.threads > 1 && Atomics.load(this.#ctl, 4) >= this.threads - 1;
  }

  /** Worker threads running (0 before the first job and after dispose). */
  get workers(): number {
    return this.#workers.length;
  }

  /**
   * Calls function `fn` (an index into spec.functions) once per thread, thread t with
   * `argsOf(t)`, and returns when all have returned. Slice 0 runs on the calling thread.
   */
  run(fn: number, argsOf: (t: number) => ArrayLike<number>): void {
    const T = this.threads;
    if (T > 1 && !this.#started) this.#start();
    if (Atomics.load(this.#ctl, 4) < T - 1) {
      for (let t = 0; t < T; t++) this.#local[fn](...Array.from(argsOf(t)));
      return;
    }
    for (let t = 1; t < T; t++) {
      const a = argsOf(t);
      const o = t * ARGS;
      this.#args[o] = fn;
      this.#args[o + 1] = a.length;
      for (let i = 0; i < a.length; i++) this.#args[o + 2 + i] = a[i];
    }
    const ctl = this.#ctl;
    Atomics.store(ctl, 1, T - 1);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    this.#local[fn](...Array.from(argsOf(0)));
    for (let i = 0; i < SPIN && Atomics.load(ctl, 1) !== 0; i++);
    const t0 = Date.now();
    for (let left = Atomics.load(ctl, 1); left !== 0; left = Atomics.load(ctl, 1)) {
      if (Atomics.wait(ctl, 1, left, 1000) === 'timed-out' && Date.now() - t0 > TIMEOUT_MS) {
        this.dispose();
        throw new BackendError(`cpu backend: a worker thread did not finish its part of a kernel within ${TIMEOUT_MS / 1000} s; the pool was stopped. Use createCpuBackend({ threads: 1 }).`);
      }
    }
    if (Atomics.load(ctl, 3)) {
      Atomics.store(ctl, 3, 0);
      throw new BackendError('cpu backend: a worker thread failed in a WebAssembly kernel (out of bounds?). This is a bug; use createCpuBackend({ threads: 1 }) meanwhile.');
    }
  }

  /** Stops and terminates the workers; later jobs run on the calling thread alone. */
  dispose(): void {
    orphans.unregister(this);
    this.threads = 1;
    if (this.#workers.length === 0) return;
    Atomics.store(this.#ctl, 2, 1);
    Atomics.add(this.#ctl, 0, 1);
    Atomics.notify(this.#ctl, 0);
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }
}
