/**
 * The worker pool of a threaded CPU backend: `threads - 1` workers that instantiate the same
 * WebAssembly modules over the backend's shared memory, and a synchronous fork-join over
 * them. The calling thread runs slice 0 of a job itself, then blocks (Atomics.wait) until
 * every worker has run its slice, so a kernel call stays synchronous, as the Backend
 * interface requires.
 *
 * A job is a program per thread (`runPrograms`): a list of calls of the exported functions,
 * e.g. every time step of an LSTM sequence for the thread's batch rows. The caller splits work
 * by OUTPUT (rows of a matmul or a sequence, element ranges of Adam, columns of a batch sum),
 * so no sum changes order and results are bit-identical for every thread count.
 *
 * A job may instead be a list of shared tasks (`runTasks`): each thread takes the next task
 * not yet taken until none is left, so a thread that starts late or runs slower (a woken
 * worker, a virtual CPU the host preempts) does fewer of them, and the caller returns when
 * every task is done, without waiting for a worker that took none (waking one costs about
 * 0.1 ms in a VM, paid at every job). Each task writes its own outputs, so which thread runs
 * it changes no value. Tasks are tickets: job j's tasks are tickets j*256 .. j*256 + n - 1 of a
 * counter that threads advance by compare-and-swap, so a worker still holding an earlier job
 * finds the counter past that job's range and takes nothing from a later one.
 *
 * Control words (Int32Array over a SharedArrayBuffer): [0] job generation, [1] workers still
 * running the current program job, [2] stop, [3] a worker's slice threw, [4] workers started,
 * [5] the current job's mode: its generation for programs, 0 for tasks, [6] the next task
 * ticket, [7] tasks done, [8] the task job: its first ticket + its task count - 1, [9] the
 * memory's size in pages when the job was published (stored before the job's other words; a
 * worker reads it after claiming its part, just before running it).
 *
 * A shared memory grown by the calling thread: V8 tells the other threads' instances its new
 * size lazily (at their next interrupt check in Node 20; only when the thread itself calls
 * grow in Chromium 149+, per emnapi and wasm-util issues #217/#7). Loads and stores do not
 * depend on that size, but bulk memory.copy checks its bounds against it, so a worker copying
 * rows into new pages could trap. A worker that sees a size it has not seen calls
 * `memory.grow(0)`, which refreshes its own isolate's view (the fix emnapi adopted), before it
 * runs the job. A worker that throws anyway records which function failed and the error's
 * text, and the caller puts them in its BackendError.
 *
 * Until every worker has started, jobs run all their programs on the calling thread, one after
 * the other (same values: the split is by output). A browser starts a Worker only once its
 * creator returns to its event loop, so a caller that blocked waiting for a new worker would
 * wait forever; in Node the first split kernels simply run on one thread while workers boot.
 * Programs: ARGS float64 slots per thread, calls [function index, argument count, arguments...]
 * ended by -1 (float64 holds every i32 pointer and f32 attribute exactly).
 *
 * Where: Node (worker_threads, found through process.getBuiltinModule, so no Node import in the
 * browser bundle; Node >= 20.16) and dedicated Web Workers that can block (crossOriginIsolated).
 * A browser main thread cannot Atomics.wait: `threadSupport()` says why, and the backend runs
 * on one thread.
 */
import { BackendError } from '@recurrent/core';
import type { WasmMemory } from './heap.js';

/**
 * Float64 slots per thread for its program (the calls of one job). A longer program is run as
 * several jobs, cut between calls.
 */
const ARGS = 8192;
/** The most arguments a job function takes (the matmul's 16): calls pass this many slots. */
export const MAX_ARGS = 16;
/**
 * Milliseconds a thread keeps checking the control word before it sleeps in Atomics.wait: a
 * worker after its slice (the next job usually comes within this), the caller after its own.
 * Waking a sleeping thread costs tens to hundreds of microseconds (more in a VM), paid at
 * every job; spinning costs a core that other processes may want (200,000 checks, about 0.5
 * ms, made a 4 MFLOP matmul 20x slower on a loaded machine). 0.02 / 0.2 / 1 ms measured alike
 * within noise at load 4-16 on W2 (11 jobs per step), and 0.02 / 2 / 5 ms alike on a quiet
 * machine: a 5 ms spin removed nearly every sleep, but the spinning thread slowed the one beside
 * it as much (docs/benchmarks.md, part 5). A longer spin for the caller alone (0.3, 1 ms) measured
 * alike too. RECURRENT_CPU_SPIN_MS (Node) overrides it.
 */
const SPIN_MS = 0.02;
const spinMs = (): number => {
  const v = Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.RECURRENT_CPU_SPIN_MS);
  return Number.isFinite(v) && v >= 0 ? v : SPIN_MS;
};
/** The most shared tasks in one job (a longer list runs as several jobs): the ticket stride. */
const MAX_TASKS = 256;
/** The most characters of a worker's error text reported to the caller. */
const ERROR_CHARS = 200;
/** A worker that has not answered for this long is taken as dead (the caller throws instead of hanging). */
const TIMEOUT_MS = 60_000;

type WasmFn = (...args: number[]) => void;

/**
 * What a worker instantiates: the compiled modules by name (posted, not recompiled: the
 * threads share the engine's optimized code) and the functions jobs may call, as [module, export].
 */
export interface PoolSpec {
  // Structural types, not WebAssembly.Memory / WebAssembly.Module: the published .d.ts must compile
  // in a Node project with lib ES2022, which has no WebAssembly namespace (see WasmMemory in heap.ts).
  memory: WasmMemory;
  /** WebAssembly.Module values (posted to the workers as they are). */
  modules: Record<string, object>;
  functions: [string, string][];
}

/** What Pool.stats() reports. */
export interface ThreadStats {
  parallelJobs: number;
  inlineJobs: number;
  busyMs: number[];
  waitMs: number;
}

/** The worker body, as source (a worker cannot import this package's TypeScript). Kept plain ES2020. */
const WORKER_SOURCE = `
const start = ({ memory, modules, functions, control, args, tasks, busy, errors, index, spin }) => {
  const instances = {};
  const fns = functions.map(([m, e]) => {
    instances[m] ??= new WebAssembly.Instance(modules[m], { env: { memory } }).exports;
    return instances[m][e];
  });
  const ctl = new Int32Array(control);
  const arg = new Float64Array(args);
  const busyMs = new Float64Array(busy);
  const starts = new Int32Array(tasks);
  const error = new Uint16Array(errors);
  const base = index * ${ARGS};
  let pages = memory.buffer.byteLength / 65536;
  // Before each slice: if the calling thread grew the shared memory since this thread last
  // looked, refresh this isolate's view of its size (see the file's comment). Checked after the
  // job is claimed, so a worker that woke late for one job and runs the next sees the next's size.
  const refresh = () => {
    const now = Atomics.load(ctl, 9);
    if (now !== pages) {
      memory.grow(0);
      pages = now;
    }
  };
  // The call running now (its first slot), for the failure report.
  let call = -1;
  const fail = (e) => {
    if (Atomics.compareExchange(ctl, 3, 0, 1) !== 0) return; // the first failure is reported
    const text = String(e).slice(0, ${ERROR_CHARS});
    error[0] = index;
    error[1] = call >= 0 ? arg[call] + 1 : 0;
    error[2] = text.length;
    for (let c = 0; c < text.length; c++) error[3 + c] = text.charCodeAt(c);
  };
  // The calls from slot i: [function, argument count, arguments...] until a negative function.
  // Every job function takes at most ${MAX_ARGS} arguments; slots past a call's own are ignored.
  const runFrom = (i) => {
    for (; arg[i] >= 0; i += 2 + arg[i + 1]) {
      call = i;
      const a = i + 2;
      fns[arg[i]](arg[a], arg[a + 1], arg[a + 2], arg[a + 3], arg[a + 4], arg[a + 5], arg[a + 6], arg[a + 7], arg[a + 8], arg[a + 9], arg[a + 10], arg[a + 11], arg[a + 12], arg[a + 13], arg[a + 14], arg[a + 15]);
    }
  };
  let seen = Atomics.load(ctl, 0);
  let lastProgram = 0;
  Atomics.add(ctl, 4, 1);
  for (;;) {
    const s0 = performance.now();
    for (let i = 1; Atomics.load(ctl, 0) === seen; i++) if ((i & 1023) === 0 && performance.now() - s0 > spin) break;
    while (Atomics.load(ctl, 0) === seen) Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (Atomics.load(ctl, 2)) return;
    const t0 = performance.now();
    const mode = Atomics.load(ctl, 5);
    if (mode !== 0) {
      // a program job (each runs once: a worker late from a task job may see it twice)
      if (mode === lastProgram) continue;
      lastProgram = mode;
      try {
        refresh();
        runFrom(base);
      } catch (e) {
        fail(e);
      }
      busyMs[index] += performance.now() - t0;
      if (Atomics.sub(ctl, 1, 1) === 1) Atomics.notify(ctl, 1);
      continue;
    }
    // a task job: take tickets first .. first + n - 1 while any is left
    const job = Atomics.load(ctl, 8);
    const first = job & ~${MAX_TASKS - 1};
    const n = (job & ${MAX_TASKS - 1}) + 1;
    for (;;) {
      const t = Atomics.load(ctl, 6);
      if ((t - first) >>> 0 >= n) break;
      if (Atomics.compareExchange(ctl, 6, t, t + 1) !== t) continue;
      try {
        refresh();
        runFrom(starts[t - first]);
      } catch (e) {
        fail(e);
      }
      if (Atomics.add(ctl, 7, 1) === n - 1) Atomics.notify(ctl, 7);
    }
    busyMs[index] += performance.now() - t0;
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

/** The end of the longest run of whole calls of `p` from `from` that fits in `slots` slots. */
function cut(p: number[], from: number, slots: number): number {
  let i = from;
  while (i < p.length && i + 2 + p[i + 1] - from <= slots) i += 2 + p[i + 1];
  if (i === from && i < p.length) throw new BackendError(`cpu backend: a kernel call with ${p[i + 1]} arguments does not fit a thread's ${slots} argument slots. This is a bug.`);
  return i;
}

export class Pool {
  /** Threads that run a job, the caller included (1 after dispose). */
  threads: number;
  readonly #ctl: Int32Array;
  readonly #args: Float64Array;
  /** Where each shared task starts in #args. */
  readonly #starts: Int32Array;
  /** Milliseconds each thread spent running slices (slot 0: the caller's own slices), written by that thread only. */
  readonly #busy: Float64Array;
  /** A worker's failure: [0] its index, [1] the failed function's job index + 1 (0: unknown), [2] text length, [3...] the text. */
  readonly #errors: Uint16Array;
  readonly #counts = { parallel: 0, inline: 0, waitMs: 0 };
  /** Task jobs run (their first tickets are multiples of MAX_TASKS). */
  #taskJobs = 0;
  readonly #local: WasmFn[];
  readonly #spec: PoolSpec;
  readonly #workers: Handle[] = [];
  #started = false;
  readonly #spin = spinMs();

  /**
   * `local`: the caller's own instances of `spec.functions`, in the same order. The workers
   * start at the first job (a backend that never runs a large kernel starts no thread).
   * `owner`: the object whose collection terminates the workers (the backend).
   */
  constructor(threads: number, spec: PoolSpec, local: WasmFn[], owner?: object) {
    this.threads = threads;
    this.#local = local;
    this.#spec = spec;
    this.#ctl = new Int32Array(new SharedArrayBuffer(4 * 10));
    this.#errors = new Uint16Array(new SharedArrayBuffer(2 * (3 + ERROR_CHARS)));
    this.#args = new Float64Array(new SharedArrayBuffer(8 * ARGS * threads));
    this.#starts = new Int32Array(new SharedArrayBuffer(4 * MAX_TASKS));
    this.#busy = new Float64Array(new SharedArrayBuffer(8 * threads));
    if (owner) orphans.register(owner, this, this);
  }

  #start(): void {
    this.#started = true;
    const { memory, modules, functions } = this.#spec;
    const control = this.#ctl.buffer;
    const args = this.#args.buffer;
    const tasks = this.#starts.buffer;
    const busy = this.#busy.buffer;
    const errors = this.#errors.buffer;
    const wt = nodeModule<NodeWorkerThreads>('node:worker_threads');
    for (let index = 1; index < this.threads; index++) {
      const data = { memory, modules, functions, control, args, tasks, busy, errors, index, spin: this.#spin };
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
   * Runs program t (calls [function index, argument count, arguments...], one after another)
   * on thread t, and returns when all have finished; program 0 runs on the calling thread.
   * Programs longer than a thread's argument slots are cut between calls into several jobs
   * (each a fork-join), so a program must not depend on another thread's calls.
   */
  runPrograms(programs: number[][]): void {
    const T = this.threads;
    if (T > 1 && !this.#started) this.#start();
    if (Atomics.load(this.#ctl, 4) < T - 1) {
      this.#counts.inline++;
      for (const p of programs) this.#exec(p, 0, p.length);
      return;
    }
    const at = programs.map(() => 0);
    while (at.some((i, t) => i < programs[t].length)) {
      const ends = programs.map((p, t) => cut(p, at[t], ARGS - 1 - MAX_ARGS)); // room for the end mark and the last call's unused slots
      this.#counts.parallel++;
      for (let t = 1; t < T; t++) {
        const o = t * ARGS;
        const p = programs[t];
        for (let i = at[t]; i < ends[t]; i++) this.#args[o + i - at[t]] = p[i];
        this.#args[o + ends[t] - at[t]] = -1;
      }
      const ctl = this.#ctl;
      this.#publishPages();
      Atomics.store(ctl, 1, T - 1);
      Atomics.store(ctl, 5, Atomics.load(ctl, 0) + 1 || 1); // this job's generation (never 0: that marks a task job)
      this.#forkJoin(() => this.#exec(programs[0], at[0], ends[0]), 1, 0);
      ends.forEach((e, t) => {
        at[t] = e;
      });
    }
  }

  /**
   * Runs every task (a list of calls, like a program) once, on whichever thread takes it
   * first, and returns when all have finished. Tasks must not depend on each other.
   */
  runTasks(tasks: number[][]): void {
    const T = this.threads;
    if (T > 1 && !this.#started) this.#start();
    if (T === 1 || Atomics.load(this.#ctl, 4) < T - 1) {
      this.#counts.inline++;
      for (const p of tasks) this.#exec(p, 0, p.length);
      return;
    }
    const room = ARGS * T - 1;
    for (let first = 0; first < tasks.length; ) {
      // As many whole tasks as fit the slots and the start table.
      let n = 0;
      let used = 0;
      while (first + n < tasks.length && n < MAX_TASKS && used + tasks[first + n].length + 1 + MAX_ARGS <= room) {
        const p = tasks[first + n];
        this.#starts[n] = used;
        this.#args.set(p, used);
        used += p.length;
        this.#args[used++] = -1;
        n++;
      }
      if (n === 0) throw new BackendError(`cpu backend: a task of ${tasks[first].length} slots does not fit the pool's ${room}. This is a bug.`);
      this.#counts.parallel++;
      const ctl = this.#ctl;
      const batch = tasks.slice(first, first + n);
      const ticket = (this.#taskJobs++ * MAX_TASKS) | 0;
      this.#publishPages();
      Atomics.store(ctl, 7, 0);
      Atomics.store(ctl, 6, ticket);
      Atomics.store(ctl, 5, 0);
      Atomics.store(ctl, 8, ticket + n - 1);
      this.#forkJoin(
        () => {
          for (;;) {
            const t = Atomics.load(ctl, 6);
            if ((t - ticket) >>> 0 >= n) break;
            if (Atomics.compareExchange(ctl, 6, t, t + 1) === t) {
              this.#exec(batch[t - ticket], 0, batch[t - ticket].length);
              Atomics.add(ctl, 7, 1);
            }
          }
        },
        7,
        n,
      );
      first += n;
    }
  }

  /** The memory's size, for the workers' refresh: stored before any other word of a job. */
  #publishPages(): void {
    Atomics.store(this.#ctl, 9, this.#spec.memory.buffer.byteLength / 65536);
  }

  /**
   * Publishes the job written into the control words (a new generation wakes the workers),
   * runs `own` (the caller's part), then waits until control word `word` reads `until` (no
   * program left running, or every task done); throws if a worker failed or stopped answering.
   */
  #forkJoin(own: () => void, word: number, until: number): void {
    const ctl = this.#ctl;
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    const s0 = performance.now();
    own();
    const s1 = performance.now();
    this.#busy[0] += s1 - s0;
    for (let i = 1; Atomics.load(ctl, word) !== until; i++) if ((i & 1023) === 0 && performance.now() - s1 > this.#spin) break;
    const t0 = Date.now();
    for (let now = Atomics.load(ctl, word); now !== until; now = Atomics.load(ctl, word)) {
      if (Atomics.wait(ctl, word, now, 1000) === 'timed-out' && Date.now() - t0 > TIMEOUT_MS) {
        this.dispose();
        throw new BackendError(`cpu backend: a worker thread did not finish its part of a kernel within ${TIMEOUT_MS / 1000} s; the pool was stopped. Use createCpuBackend({ threads: 1 }).`);
      }
    }
    this.#counts.waitMs += performance.now() - s1;
    if (Atomics.load(ctl, 3)) {
      const e = this.#errors;
      const fn = e[1] > 0 ? this.#spec.functions[e[1] - 1]?.[1] : undefined;
      const text = String.fromCharCode(...e.subarray(3, 3 + e[2]));
      Atomics.store(ctl, 3, 0);
      throw new BackendError(`cpu backend: worker thread ${e[0]} failed in WebAssembly kernel ${fn ?? '(unknown)'}: ${text}. This is a bug; use createCpuBackend({ threads: 1 }) meanwhile.`);
    }
  }

  /** Runs the calls of `p` from index `from` to `to` on this thread. */
  #exec(p: number[], from: number, to: number): void {
    const f = this.#local;
    for (let i = from; i < to; i += 2 + p[i + 1]) {
      const a = i + 2;
      f[p[i]](p[a], p[a + 1], p[a + 2], p[a + 3], p[a + 4], p[a + 5], p[a + 6], p[a + 7], p[a + 8], p[a + 9], p[a + 10], p[a + 11], p[a + 12], p[a + 13], p[a + 14], p[a + 15]);
    }
  }

  /**
   * Counters since the pool was made, for profiles: jobs run in parallel and on the calling
   * thread alone (workers not started yet), milliseconds each thread spent in slices (index 0:
   * the caller) and the caller's wait for the workers after its own slice.
   */
  stats(): ThreadStats {
    return { parallelJobs: this.#counts.parallel, inlineJobs: this.#counts.inline, busyMs: Array.from(this.#busy), waitMs: this.#counts.waitMs };
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
