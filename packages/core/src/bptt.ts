/**
 * Backpropagation through time, in one place, for every cell.
 *
 * Forward: the input projection of all steps is one matmul (X [B*T, D] @ Wx + bx); then one
 * loop over time calls the cell's step. Backward: the same loop in reverse, carrying d(state)
 * (Karpathy's `dhnext`); the input-weight gradient, dx and the recurrent-weight gradient are
 * each one large matmul over all steps at the end, rather than T small ones.
 *
 * Options, all handled here and nowhere else:
 *  - `initialState` in, final state out (stateful carry is passing one call's final state as
 *    the next call's initial state);
 *  - `reverse`: process steps T-1 .. 0; outputs stay aligned with input positions;
 *  - `lengths`: per-sample valid lengths (post-padding). At padded steps the state is carried
 *    unchanged, the output is 0, and no gradient flows through the cell;
 *  - `truncate: { k1, k2 }` (backward): the outputs of each block of k1 steps send gradient
 *    back at most k2 steps (Williams & Peng's TBPTT(k1, k2), k1 <= k2). k1 = k2 = k is the
 *    usual "detach every k steps"; k1 = k2 = T is full BPTT;
 *  - `recurrentMask`: recurrent dropout, a fixed mask on h where it enters the recurrent matmul.
 */
import { createCell, type Cell, type CellConfig, type CellParams, type CellState } from './cells/index.js';
import type { StepTensors, WhPiece } from './cells/cell.js';
import { CELL_FACTS } from './cells/facts.js';
import type { RecurrentMask } from './cells/recurrent-input.js';
import type { Engine, Tensor } from './engine.js';
import { ConfigError, ShapeError, fmtShape } from './errors.js';
import { sameShape } from './internal/shapes.js';

export interface RnnForwardOptions {
  initialState?: CellState;
  reverse?: boolean;
  /** Valid length of each sample, integers in [0, T]. */
  lengths?: ArrayLike<number>;
  /** Stack the output at every step into y [B, T, H] (default true). */
  returnSequences?: boolean;
  /** Keep what backward needs (default true). With false, memory stays O(1) in T. */
  training?: boolean;
  /** A name for error messages (the layer's name). */
  name?: string;
  /**
   * Recurrent dropout: h is multiplied by this mask [B, H] wherever it enters the recurrent
   * matmul, at every step, forward and backward (not where a cell carries h directly, GRU's
   * z * h). One tensor for every gate, or an array of one per gate in CELL_FACTS order (Keras
   * 3's per-gate masks). The caller owns the masks; keep them until backward.
   */
  recurrentMask?: Tensor | readonly Tensor[];
}

export interface RnnForwardResult {
  /** Outputs at every step [B, T, H] (zeros at padded steps), if returnSequences. Caller owns. */
  y?: Tensor;
  /** Final state (after each sample's last valid step). Caller owns; keep it until backward. */
  state: CellState;
  /** What backward needs; undefined when training is false. Dispose it (backward does). */
  tape?: RnnTape;
}

export interface RnnBackwardOptions {
  /** d(loss)/d(y) [B, T, H]. */
  dy?: Tensor;
  /** d(loss)/d(final state). */
  dState?: Partial<CellState>;
  truncate?: { k1: number; k2: number };
  /** Keep the tape after backward (default false: backward disposes it). */
  keepTape?: boolean;
  /**
   * Called at every step of the backward sweep with d(loss)/d(h_t), the gradient arriving at
   * the state after step t (before it flows through the cell). For watching vanishing and
   * exploding gradients. The tensor is only valid during the call: read it or copy it.
   */
  onStepGrad?: (t: number, dh: Tensor) => void;
  /** Compute d(loss)/d(x) (default true). False skips one large matmul when x is not trained. */
  inputGrad?: boolean;
}

export interface RnnGrads {
  Wx: Tensor;
  Wh: Tensor;
  bx?: Tensor;
  bh?: Tensor;
}

export interface RnnBackwardResult {
  grads: RnnGrads;
  /** d(loss)/d(x) [B, T, D]. */
  dx: Tensor;
  /** d(loss)/d(initial state). Zero when truncation stops before step 0. */
  dState0: CellState;
}

interface StepRecord {
  cache: StepTensors;
  /** [B, 1] 1/0 mask for this step, when lengths were given. */
  mask?: Tensor;
  /** The cell's candidate state (before the length mask picked it or the old state), when lengths were given. */
  cand?: CellState;
}

/** Every tensor in a cell's record (values or arrays of them). */
const tensorsOf = (r: StepTensors): Tensor[] => Object.values(r).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v as Tensor]));

export class RnnTape {
  readonly cell: Cell;
  readonly params: CellParams;
  readonly x: Tensor;
  readonly prep: StepTensors;
  /** Recurrent-dropout masks (caller-owned), if any. */
  readonly recurrentMask?: RecurrentMask;
  /** Records by time index t (not processing order). */
  readonly steps: StepRecord[];
  readonly order: number[];
  readonly initialState: CellState;
  /** Tensors this tape created and must free. */
  readonly #owned: Set<Tensor>;
  #disposed = false;

  constructor(init: {
    cell: Cell;
    params: CellParams;
    x: Tensor;
    prep: StepTensors;
    recurrentMask?: RecurrentMask;
    steps: StepRecord[];
    order: number[];
    initialState: CellState;
    owned: Set<Tensor>;
  }) {
    this.cell = init.cell;
    this.params = init.params;
    this.x = init.x;
    this.prep = init.prep;
    this.recurrentMask = init.recurrentMask;
    this.steps = init.steps;
    this.order = init.order;
    this.initialState = init.initialState;
    this.#owned = init.owned;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The gate activations of step t (time index), each [B, H], for inspection, by the gate names
   * of CELL_FACTS (LSTM i, f, g, o; GRU r, z, n; none for SimpleRNN). New tensors the caller owns.
   */
  gates(t: number): Record<string, Tensor> {
    if (this.#disposed) throw new ConfigError('RnnTape.gates: the tape was disposed (keep it with keepTape or call before backward).');
    const rec = this.steps[t];
    if (!rec) throw new ConfigError(`RnnTape.gates: no step ${t}; the sequence has ${this.steps.length} steps.`);
    const values = this.cell.gateActivations?.(this.x.engine, rec.cache) ?? [];
    const names = CELL_FACTS[this.cell.config.kind].gates;
    return Object.fromEntries(values.map((v, k) => [names[k], v]));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#owned) t.dispose();
    this.#owned.clear();
  }
}

function checkShape(where: string, t: Tensor | undefined, want: number[]): void {
  if (t && !sameShape(t.shape, want)) throw new ShapeError(where, t.shape, fmtShape(want));
}

/** Validates x and params against the cell; returns [B, T, D]. */
function validate(cell: Cell, p: CellParams, x: Tensor, name: string): [number, number, number] {
  const { inputSize: D, units: H } = cell.config;
  const G = cell.gates;
  if (x.shape.length !== 3 || x.shape[2] !== D)
    throw new ShapeError(
      `${name} (input)`,
      x.shape,
      `[batch, steps, ${D}]`,
      x.shape.length === 2 ? 'A sequence input is 3-D: add a steps axis ([batch, 1, features] for one step).' : '',
    );
  checkShape(`${name} (Wx)`, p.Wx, [D, G * H]);
  checkShape(`${name} (Wh)`, p.Wh, [H, G * H]);
  checkShape(`${name} (bx)`, p.bx, [G * H]);
  checkShape(`${name} (bh)`, p.bh, [G * H]);
  return [x.shape[0], x.shape[1], D];
}

/** Runs a recurrent layer over a batch of sequences. */
export function rnnForward(
  e: Engine,
  cellOrConfig: Cell | CellConfig,
  params: CellParams,
  x: Tensor,
  opts: RnnForwardOptions = {},
): RnnForwardResult {
  const cell = 'step' in cellOrConfig ? cellOrConfig : createCell(cellOrConfig);
  const name = opts.name ?? cell.config.kind;
  const [B, T] = validate(cell, params, x, name);
  const H = cell.config.units;
  const training = opts.training ?? true;
  const returnSequences = opts.returnSequences ?? true;
  if (T < 1) throw new ShapeError(`${name} (input)`, x.shape, '[batch, steps >= 1, features]');

  const owned = new Set<Tensor>();
  const own = <T extends Tensor | undefined>(t: T): T => {
    if (t) owned.add(t);
    return t;
  };
  const init = opts.initialState;
  checkShape(`${name} (initial h)`, init?.h, [B, H]);
  if (cell.hasCellState) checkShape(`${name} (initial c)`, init?.c, [B, H]);
  const state0: CellState = {
    h: init?.h ?? own(e.zeros([B, H])),
    c: cell.hasCellState ? (init?.c ?? own(e.zeros([B, H]))) : undefined,
  };

  const recurrentMask = checkRecurrentMask(cell, opts.recurrentMask, B, name);
  const masks = opts.lengths ? own(lengthMask(e, opts.lengths, B, T, name)) : undefined;
  const order = Array.from({ length: T }, (_, p) => (opts.reverse ? T - 1 - p : p));

  const prep = e.scope(() => cell.prepare(e, params));
  for (const t of tensorsOf(prep)) own(t);
  // Input projection for every step at once: [B*T, D] @ [D, G*H] + bx.
  const xp = own(
    e.scope(() => {
      const x2 = x.reshape([B * T, x.shape[2]]);
      return e.matmul(x2, params.Wx, { bias: params.bx }).reshape([B, T, cell.gates * H]);
    }),
  );

  const steps: StepRecord[] = new Array(T);
  const ys: Tensor[] = new Array(T);
  const maskedYs: Tensor[] = []; // outputs that are their own tensors (masked), needed only for stacking
  const oldStates: Tensor[] = []; // inference with returnSequences: states are outputs until stacked
  const callerOwned = (v: Tensor) => v === init?.h || v === init?.c;
  let state = state0;
  for (const t of order) {
    const { next, cache, y, mask, cand } = e.scope(() => {
      const xpt = e.sliceTime(xp, t);
      const { state: cand, cache } = cell.step(e, params, prep, xpt, state, recurrentMask);
      if (!masks) return { next: cand, cache, y: cand.h, mask: undefined, cand: undefined };
      const m = e.sliceTime(masks, t);
      const next: CellState = {
        h: e.where(m, cand.h, state.h),
        c: cand.c && state.c ? e.where(m, cand.c, state.c) : undefined,
      };
      return { next, cache, y: e.mul(cand.h, m), mask: m, cand };
    });
    const kept = [...tensorsOf(cache), ...(cand ? [cand.h, ...(cand.c ? [cand.c] : [])] : [])];
    if (y !== next.h) {
      if (returnSequences) maskedYs.push(y);
      else y.dispose();
    }
    if (returnSequences) ys[t] = y;
    const prev = state === state0 ? [] : [state.h, ...(state.c ? [state.c] : [])];
    if (training) {
      steps[t] = { cache, mask, cand };
      for (const v of kept) if (!callerOwned(v)) own(v);
      own(mask);
      for (const v of prev) own(v);
    } else {
      const live = new Set<Tensor | undefined>([next.h, next.c, y, ...prev, state0.h, state0.c]);
      for (const v of kept) if (!live.has(v)) v.dispose();
      mask?.dispose();
      for (const v of prev) if (returnSequences && v === state.h) oldStates.push(v);
      else v.dispose();
    }
    state = next;
  }

  let y: Tensor | undefined;
  if (returnSequences) y = e.stackTime(ys);
  for (const v of [...maskedYs, ...oldStates]) v.dispose();
  // The final state goes to the caller: the tape must not free it.
  owned.delete(state.h);
  if (state.c) owned.delete(state.c);

  if (!training) {
    for (const t of owned) t.dispose();
    return { y, state };
  }
  const tape = new RnnTape({ cell, params, x, prep, recurrentMask, steps, order, initialState: state0, owned });
  return { y, state, tape };
}

/** The recurrent-dropout masks as an array: one [B, H] for all gates or one per gate. */
function checkRecurrentMask(cell: Cell, mask: Tensor | readonly Tensor[] | undefined, B: number, name: string): RecurrentMask | undefined {
  if (!mask) return undefined;
  const masks = Array.isArray(mask) ? (mask as readonly Tensor[]) : [mask as Tensor];
  if (masks.length !== 1 && masks.length !== cell.gates)
    throw new ConfigError(
      `${name}: recurrentMask has ${masks.length} masks; give one [batch, units] mask for every gate, or one per gate (${cell.gates} for ${cell.config.kind}).`,
    );
  masks.forEach((m, k) => checkShape(`${name} (recurrentMask${masks.length > 1 ? `[${k}]` : ''})`, m, [B, cell.config.units]));
  return masks;
}

/** A [B, T, 1] mask (1 = valid step) from per-sample lengths. */
function lengthMask(e: Engine, lengths: ArrayLike<number>, B: number, T: number, name: string): Tensor {
  if (lengths.length !== B) throw new ShapeError(`${name} (lengths)`, [lengths.length], `[${B}] (one length per sample)`);
  const m = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    if (!Number.isInteger(L) || L < 0 || L > T)
      throw new ConfigError(`${name}: lengths[${b}] = ${L} is not an integer in [0, ${T}] (the padded sequence length).`);
    for (let t = 0; t < L; t++) m[b * T + t] = 1;
  }
  return e.tensor(m, [B, T, 1]);
}

const addMaybe = (e: Engine, a: Tensor | undefined, b: Tensor | undefined): Tensor | undefined =>
  a && b ? e.add(a, b) : (a ?? b);

/** Gradients of a forward pass. Disposes the tape unless keepTape. */
export function rnnBackward(e: Engine, tape: RnnTape, opts: RnnBackwardOptions & { inputGrad: false }): Omit<RnnBackwardResult, 'dx'>;
export function rnnBackward(e: Engine, tape: RnnTape, opts?: RnnBackwardOptions): RnnBackwardResult;
export function rnnBackward(e: Engine, tape: RnnTape, opts: RnnBackwardOptions = {}): RnnBackwardResult | Omit<RnnBackwardResult, 'dx'> {
  if (tape.disposed) throw new ConfigError('rnnBackward: the tape was already disposed (backward runs once per forward unless keepTape).');
  const { cell, params, x, prep, steps, order } = tape;
  const name = cell.config.kind;
  const [B, T, D] = x.shape as [number, number, number];
  const H = cell.config.units;
  const G = cell.gates;
  checkShape(`${name} backward (dy)`, opts.dy, [B, T, H]);
  checkShape(`${name} backward (dState.h)`, opts.dState?.h, [B, H]);
  checkShape(`${name} backward (dState.c)`, opts.dState?.c, [B, H]);
  const k1 = opts.truncate?.k1 ?? T;
  const k2 = opts.truncate?.k2 ?? T;
  if (!(Number.isInteger(k1) && Number.isInteger(k2) && k1 >= 1 && k2 >= k1))
    throw new ConfigError(`${name} backward: truncate needs integers 1 <= k1 <= k2, got k1=${k1}, k2=${k2}.`);

  const result = e.scope(() => {
    // Per time index: accumulated d(xp) and per-piece d(out) of the recurrent matmuls.
    const dXp: (Tensor | undefined)[] = new Array(T);
    const dWhOut: (Tensor | undefined)[][] = Array.from({ length: T }, () => []);
    const whIn: WhPiece['input'][][] = Array.from({ length: T }, () => []);
    let dh0: Tensor | undefined;
    let dc0: Tensor | undefined;

    for (let chunkStart = 0; chunkStart < T; chunkStart += k1) {
      const chunkEnd = Math.min(chunkStart + k1, T) - 1; // processing positions
      const sweepStart = Math.max(0, chunkEnd - k2 + 1);
      let dh: Tensor | undefined = chunkEnd === T - 1 ? opts.dState?.h : undefined;
      let dc: Tensor | undefined = chunkEnd === T - 1 ? opts.dState?.c : undefined;
      for (let p = chunkEnd; p >= sweepStart; p--) {
        const t = order[p];
        const rec = steps[t];
        const injected = opts.dy && p >= chunkStart ? e.sliceTime(opts.dy, t) : undefined;
        const next = e.scope(() => {
          let dhIn = addMaybe(e, dh, injected) ?? e.zeros([B, H]);
          opts.onStepGrad?.(t, dhIn);
          let dcIn = dc;
          let passH: Tensor | undefined;
          let passC: Tensor | undefined;
          if (rec.mask) {
            const zero = e.zeros([B, H]);
            passH = dh ? e.where(rec.mask, zero, dh) : undefined;
            passC = dc ? e.where(rec.mask, zero, dc) : undefined;
            dhIn = e.where(rec.mask, dhIn, zero);
            dcIn = dc ? e.where(rec.mask, dc, zero) : undefined;
          }
          const g = cell.stepBackward(e, params, prep, rec.cache, { h: dhIn, c: dcIn }, tape.recurrentMask);
          return {
            dXp: g.dXp,
            wh: g.wh,
            dh: addMaybe(e, g.dState.h, passH)!,
            dc: cell.hasCellState ? addMaybe(e, g.dState.c, passC) : undefined,
          };
        });
        injected?.dispose();
        dXp[t] = accumulate(e, dXp[t], next.dXp);
        next.wh.forEach((piece, k) => {
          whIn[t][k] = piece.input;
          dWhOut[t][k] = accumulate(e, dWhOut[t][k], piece.dOut);
        });
        if (dh !== opts.dState?.h) dh?.dispose();
        if (dc !== opts.dState?.c) dc?.dispose();
        dh = next.dh;
        dc = next.dc;
      }
      if (sweepStart === 0) {
        dh0 = accumulate(e, dh0, dh!);
        dc0 = dc ? accumulate(e, dc0, dc) : dc0;
      } else {
        if (dh !== opts.dState?.h) dh?.dispose();
        if (dc !== opts.dState?.c) dc?.dispose();
      }
    }

    // Input weights and dx: one matmul each over all steps. Each per-step gradient sequence is
    // stacked once; for cells whose recurrent matmul sees the same gradient as the input
    // projection (SimpleRNN, LSTM) the two stacks are the same tensor.
    const dXP = e.stackTime(dXp as Tensor[]).reshape([B * T, G * H]);
    const x2 = x.reshape([B * T, D]);
    const stacked = dWhOut[0].map((_, k) =>
      dWhOut.every((row, t) => row[k] === dXp[t]) ? dXP : stack2d(e, dWhOut.map((row) => row[k]!)),
    );
    const grads: RnnGrads = {
      Wx: e.matmul(x2, dXP, { transposeA: true }),
      Wh: joinCols(
        e,
        stacked.map((outs, k) => e.matmul(stack2d(e, whIn.map((row) => row[k])), outs, { transposeA: true })),
      ),
    };
    if (params.bx) grads.bx = e.sumBatch(dXP);
    if (params.bh) grads.bh = joinCols(e, stacked.map((outs) => e.sumBatch(outs).reshape([1, outs.shape[1]]))).reshape([G * H]);
    const dx = opts.inputGrad === false ? undefined : e.matmul(dXP, params.Wx, { transposeB: true }).reshape([B, T, D]);
    const dState0: CellState = {
      h: dh0 ?? e.zeros([B, H]),
      c: cell.hasCellState ? (dc0 ?? e.zeros([B, H])) : undefined,
    };
    return dx ? { grads, dx, dState0 } : { grads, dState0 };
  });
  if (!opts.keepTape) tape.dispose();
  return result;
}

/** a + b (or b alone). Partial sums are freed by the enclosing scope. */
function accumulate(e: Engine, a: Tensor | undefined, b: Tensor): Tensor {
  return a ? e.add(a, b) : b;
}

/** T tensors [B, N] -> one [B*T, N] (batch-major, like x reshaped). */
function stack2d(e: Engine, xs: Tensor[]): Tensor {
  const s = e.stackTime(xs);
  return s.reshape([s.shape[0] * s.shape[1], s.shape[2]]);
}

function joinCols(e: Engine, parts: Tensor[]): Tensor {
  return parts.length === 1 ? parts[0] : e.concatCols(parts);
}
