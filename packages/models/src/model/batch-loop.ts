/**
 * The batch loop shared by fit, evaluate and predict: which rows make each batch, the host
 * data of a batch, and the engine scope one batch runs in (its deferred tensors and initial
 * states are freed after it; what it returns outlives it).
 */
import type { Engine, Tensor } from '@recurrent/core';
import { type HostTensor, sliceRows, takeRows } from '../inputs.js';
import type { GraphRun, LayerGraph } from './graph.js';

/** Samples on the host: model inputs, targets (absent for predict) and initial states by layer. */
export interface Prepared {
  xs: HostTensor[];
  ys: HostTensor[];
  init?: { names: string[]; states: HostTensor[][] };
}

/** Row indices of each batch: consecutive slices of `order` (default 0..N-1). */
export function* batches(N: number, batchSize: number, order?: readonly number[]): Generator<number[]> {
  const o = order ?? Array.from({ length: N }, (_, i) => i);
  for (let start = 0; start < N; start += batchSize) yield o.slice(start, start + batchSize);
}

/** The rows of `p` (contiguous: a slice, else a gather). */
export function takeBatch(p: Prepared, rows: number[], contiguous: boolean): Prepared {
  const take = (h: HostTensor) => (contiguous ? sliceRows(h, rows[0], rows[0] + rows.length) : takeRows(h, rows));
  return { xs: p.xs.map(take), ys: p.ys.map(take), init: p.init && { names: p.init.names, states: p.init.states.map((l) => l.map(take)) } };
}

/** Rows `from`..`to` of every part (validation split). */
export function sliceSamples(p: Prepared, from: number, to: number): Prepared {
  const s = (h: HostTensor) => sliceRows(h, from, to);
  return { xs: p.xs.map(s), ys: p.ys.map(s), init: p.init && { names: p.init.names, states: p.init.states.map((l) => l.map(s)) } };
}

/** A batch's initial states on the engine, by layer name. */
export function stateTensors(e: Engine, p: Prepared): Map<string, Tensor[]> | undefined {
  if (!p.init) return undefined;
  const m = new Map<string, Tensor[]>();
  p.init.names.forEach((name, i) => {
    m.set(
      name,
      p.init!.states[i].map((h) => e.tensor(h.data, h.shape, `initialState['${name}']`)),
    );
  });
  return m;
}

/** Runs `body` in one engine scope; deferred tensors and the initial states are freed after it. */
export function inBatchScope<T>(e: Engine, init: Map<string, Tensor[]> | undefined, body: (defer: (t: Tensor) => void) => T): T {
  const deferred: Tensor[] = [];
  try {
    return e.scope(() => body((t) => deferred.push(t)));
  } finally {
    for (const t of deferred) t.dispose();
    for (const ts of init?.values() ?? []) for (const t of ts) t.dispose();
  }
}

/** Concatenates host chunks (batches) into one array. */
export function join(parts: (Float32Array | Float64Array)[]): Float32Array | Float64Array {
  const n = parts.reduce((s, a) => s + a.length, 0);
  const out = parts[0] instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  let off = 0;
  for (const a of parts) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

/** The model inputs of a batch as activations (with their masks and host values). */
export function inputActivations(e: Engine, xs: HostTensor[]): { t: Tensor; host: HostTensor; mask?: { B: number; T: number; valid: Uint8Array } }[] {
  return xs.map((x, i) => ({
    t: e.tensor(x.data, x.shape, xs.length > 1 ? `input ${i}` : 'input x'),
    host: x,
    mask: x.mask ? { B: x.shape[0], T: x.shape[1], valid: x.mask as Uint8Array } : undefined,
  }));
}

/**
 * Inference over `p` in batches (evaluate, validation, predict): each batch runs the graph in
 * its own scope, `pick` chooses the tensors to keep, `read` reads them on the host; they are
 * freed after.
 */
export async function inferBatches(
  e: Engine,
  graph: LayerGraph,
  p: Prepared,
  batchSize: number,
  pick: (run: GraphRun, b: Prepared) => Tensor[],
  read: (ts: Tensor[], b: Prepared) => Promise<void>,
): Promise<void> {
  for (const rows of batches(p.xs[0].shape[0], batchSize)) {
    const b = takeBatch(p, rows, true);
    const init = stateTensors(e, b);
    const ts = inBatchScope(e, init, (defer) => pick(graph.run({ e, training: false, defer }, inputActivations(e, b.xs), init), b));
    try {
      await read(ts, b);
    } finally {
      for (const t of new Set(ts)) t.dispose();
    }
  }
}
