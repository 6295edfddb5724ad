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
 *
 * Ownership: every step runs in `engine.scope`, which frees what the step made and did not
 * return; what it returns goes into an Arena (internal/arena.ts): the tape's in training, freed
 * with the tape, or the inference run's, which frees each state once the next one exists.
 */
import { createCell, type Cell, type CellConfig, type CellParams, type CellState } from './cells/index.js';
import type { SequenceTensors, StepTensors, WhPiece } from './cells/cell.js';
import { CELL_FACTS } from './cells/facts.js';
import type { RecurrentMask } from './cells/recurrent-input.js';
import type { Engine, Tensor } from './engine.js';
import { ConfigError, ShapeError, fmtShape } from './errors.js';
import { Arena } from './internal/arena.js';
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
  /** The state after this step (owned by the tape, or the caller's final state). */
  state: CellState;
}


export class RnnTape {
  readonly cell: Cell;
  readonly params: CellParams;
  readonly x: Tensor;
  readonly prep: StepTensors;
  /** Recurrent-dropout masks (caller-owned), if any. */
  readonly recurrentMask?: RecurrentMask;
  /**
   * Records by time index t (not processing order). Empty after a whole-sequence forward
   * (`seq`) until a backward that needs steps (truncation, onStepGrad) makes them.
   */
  readonly steps: StepRecord[];
  /** The cell's whole-sequence tensors (Cell.sequence), when the forward ran as one op. */
  readonly seq?: SequenceTensors;
  /** The final state, with `seq` (the caller's). */
  readonly final?: CellState;
  readonly order: number[];
  readonly initialState: CellState;
  /** Tensors this tape created and must free. */
  readonly #arena: Arena;
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
    arena: Arena;
    seq?: SequenceTensors;
    final?: CellState;
  }) {
    this.cell = init.cell;
    this.params = init.params;
    this.x = init.x;
    this.prep = init.prep;
    this.recurrentMask = init.recurrentMask;
    this.steps = init.steps;
    this.order = init.order;
    this.initialState = init.initialState;
    this.#arena = init.arena;
    this.seq = init.seq;
    this.final = init.final;
  }

  /** Step t's record: kept, or made from the sequence tensors (new tensors: `made` lists them). */
  #record(t: number, made: Tensor[]): StepRecord | undefined {
    if (this.steps[t] || !this.seq || t < 0 || t >= this.x.shape[1]) return this.steps[t];
    const e = this.x.engine;
    const r = this.cell.sequenceStep!(e, this.seq, this.initialState, this.final!, t);
    made.push(...tensorsOf(r).filter((m) => m !== this.final?.h && m !== this.final?.c)); // the final state is the caller's
    return r;
  }

  /** Makes every step's record from the sequence tensors, for the step loop's backward. */
  materialize(): void {
    if (!this.seq || this.steps.length) return;
    const made: Tensor[] = [];
    for (let t = 0; t < this.x.shape[1]; t++) this.steps[t] = this.#record(t, made)!;
    this.#arena.own(made);
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
    const made: Tensor[] = [];
    const rec = this.#record(t, made);
    if (!rec) throw new ConfigError(`RnnTape.gates: no step ${t}; the sequence has ${this.x.shape[1]} steps.`);
    const values = this.cell.gateActivations?.(this.x.engine, rec.cache) ?? [];
    for (const m of made) m.dispose();
    const names = CELL_FACTS[this.cell.config.kind].gates;
    return Object.fromEntries(values.map((v, k) => [names[k], v]));
  }

  /** The state after step t (time index), [B, H] each, for inspection. New tensors the caller owns. */
  state(t: number): CellState {
    if (this.#disposed) throw new ConfigError('RnnTape.state: the tape was disposed (keep it with keepTape or call before backward).');
    const made: Tensor[] = [];
    const rec = this.#record(t, made);
    if (!rec) throw new ConfigError(`RnnTape.state: no step ${t}; the sequence has ${this.x.shape[1]} steps.`);
    const e = this.x.engine;
    const out = { h: e.affine(rec.state.h, 1, 0), c: rec.state.c && e.affine(rec.state.c, 1, 0) };
    for (const m of made) m.dispose();
    return out;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#arena.dispose();
  }
}

/** Every tensor in a step record. */
function tensorsOf(r: { cache: StepTensors; state: CellState }): Tensor[] {
  const out: Tensor[] = [r.state.h];
  if (r.state.c) out.push(r.state.c);
  for (const v of Object.values(r.cache)) if (Array.isArray(v)) out.push(...(v as Tensor[]));
  else if (v) out.push(v as Tensor);
  return out;
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

/** What a forward run needs besides its loop: the cell, the per-sequence tensors and the step. */
interface Run {
  cell: Cell;
  params: CellParams;
  /** Processing order: time indices, T-1 .. 0 when reversed. */
  order: number[];
  state0: CellState;
  recurrentMask?: RecurrentMask;
  /** Tensors the run made (zero initial state, length mask, prep, input projection). */
  arena: Arena;
  /** The input projection x @ Wx + bx of every step [B, T, G*H]. */
  xp: Tensor;
  /** Whether the cell may run the sequence as one op (no lengths, no recurrent dropout, forward order). */
  plain: boolean;
  /** One step at time index t from `state`: the cell's step, then the length mask. */
  step(t: number, state: CellState): StepOut;
}

interface StepOut {
  next: CellState;
  /** This step's output: next.h, or the candidate h times the length mask (0 at padding). */
  y: Tensor;
  cache: StepTensors;
  /** [B, 1] length mask of this step. */
  mask?: Tensor;
  /** The cell's own new state, before the length mask chose between it and the old one. */
  cand: CellState;
}

/** Runs a recurrent layer over a batch of sequences. */
export function rnnForward(
  e: Engine,
  cellOrConfig: Cell | CellConfig,
  params: CellParams,
  x: Tensor,
  opts: RnnForwardOptions = {},
): RnnForwardResult {
  const run = prepareRun(e, cellOrConfig, params, x, opts);
  const returnSequences = opts.returnSequences ?? true;
  if (!(opts.training ?? true)) return infer(e, run, returnSequences);

  const { arena, order } = run;
  // Training, the whole sequence as one op where the cell and backend have it.
  const whole = run.plain ? e.scope(() => run.cell.sequence?.(e, params, run.xp, run.state0)) : undefined;
  if (whole) {
    arena.own(whole);
    arena.free(run.xp);
    const y = returnSequences ? whole.y : undefined;
    if (!returnSequences) arena.free(whole.y);
    arena.release(y, whole.state.h, whole.state.c);
    const tape = new RnnTape({ cell: run.cell, params, x, prep: run.prep, steps: [], order, initialState: run.state0, arena, seq: whole.seq, final: whole.state });
    return { y, state: whole.state, tape };
  }
  // Training: the tape keeps every step's cache and state; the step's scope frees the rest.
  const steps: StepRecord[] = new Array(order.length);
  const ys: Tensor[] = new Array(order.length);
  let state = run.state0;
  for (const t of order) {
    const out = arena.own(e.scope(() => run.step(t, state)));
    steps[t] = { cache: out.cache, mask: out.mask, state: out.next };
    ys[t] = out.y;
    state = out.next;
  }
  const y = returnSequences ? e.stackTime(ys) : undefined;
  arena.free(...order.filter((t) => steps[t].mask).map((t) => ys[t])); // a masked step's output was only for the stack
  arena.release(state.h, state.c); // the final state goes to the caller
  const tape = new RnnTape({ cell: run.cell, params, x, prep: run.prep, recurrentMask: run.recurrentMask, steps, order, initialState: run.state0, arena });
  return { y, state, tape };
}

/** Inference: O(1) memory in T; each step's state is freed once the next exists (unless it is an output). */
function infer(e: Engine, run: Run, returnSequences: boolean): RnnForwardResult {
  const { arena } = run;
  const ys: Tensor[] = [];
  let state = run.state0;
  let lastY: Tensor | undefined;
  for (const t of run.order) {
    const { next, y } = arena.own(
      e.scope(() => {
        const { next, y } = run.step(t, state);
        return { next, y };
      }),
    );
    if (returnSequences) ys[t] = y;
    else if (y !== next.h) arena.free(y);
    if (!(returnSequences && lastY === state.h)) arena.free(state.h); // an unmasked output is the state itself
    arena.free(state.c);
    lastY = y;
    state = next;
  }
  const y = returnSequences ? e.stackTime(ys) : undefined;
  arena.release(state.h, state.c);
  arena.dispose();
  return { y, state };
}

/** Checks the inputs and makes what every step reads: initial state, masks, prep, input projection. */
function prepareRun(e: Engine, cellOrConfig: Cell | CellConfig, params: CellParams, x: Tensor, opts: RnnForwardOptions): Run & { prep: StepTensors } {
  const cell = 'step' in cellOrConfig ? cellOrConfig : createCell(cellOrConfig);
  const name = opts.name ?? cell.config.kind;
  const [B, T] = validate(cell, params, x, name);
  const H = cell.config.units;
  if (T < 1) throw new ShapeError(`${name} (input)`, x.shape, '[batch, steps >= 1, features]');
  const init = opts.initialState;
  checkShape(`${name} (initial h)`, init?.h, [B, H]);
  if (cell.hasCellState) checkShape(`${name} (initial c)`, init?.c, [B, H]);
  const recurrentMask = checkRecurrentMask(cell, opts.recurrentMask, B, name);
  const lengths = opts.lengths ? lengthMask(e, opts.lengths, B, T, name) : undefined;

  const arena = new Arena([init?.h, init?.c]);
  const state0: CellState = arena.own({
    h: init?.h ?? e.zeros([B, H]),
    c: cell.hasCellState ? (init?.c ?? e.zeros([B, H])) : undefined,
  });
  arena.own(lengths);
  const prep = arena.own(e.scope(() => cell.prepare(e, params)));
  // Input projection for every step at once: [B*T, D] @ [D, G*H] + bx.
  const xp = arena.own(e.scope(() => e.matmul(x.reshape([B * T, x.shape[2]]), params.Wx, { bias: params.bx }).reshape([B, T, cell.gates * H])));
  return {
    cell,
    params,
    order: Array.from({ length: T }, (_, p) => (opts.reverse ? T - 1 - p : p)),
    state0,
    recurrentMask,
    arena,
    prep,
    xp,
    plain: !lengths && !recurrentMask && !opts.reverse,
    step(t, state) {
      const { state: cand, cache } = cell.step(e, params, prep, e.sliceTime(xp, t), state, recurrentMask);
      if (!lengths) return { next: cand, y: cand.h, cache, cand };
      const mask = e.sliceTime(lengths, t);
      const next: CellState = {
        h: e.where(mask, cand.h, state.h),
        c: cand.c && state.c ? e.where(mask, cand.c, state.c) : undefined,
      };
      return { next, y: e.mul(cand.h, mask), cache, mask, cand };
    },
  };
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

  /**
   * Backward of the step at time t from d(loss)/d(state after it) (`carry`, from later steps, plus
   * dy_t when this step's output sends gradient): d(xp_t), the recurrent-weight pieces, and
   * d(loss)/d(state before it). At a padded step the gradient passes to the old state untouched.
   */
  const stepGrad = (t: number, carry: Partial<CellState>, withDy: boolean) => {
    const rec = steps[t];
    const dh = addMaybe(e, carry.h, withDy && opts.dy ? e.sliceTime(opts.dy, t) : undefined) ?? e.zeros([B, H]);
    opts.onStepGrad?.(t, dh);
    if (!rec.mask) {
      const g = cell.stepBackward(e, params, prep, rec.cache, { h: dh, c: carry.c }, tape.recurrentMask);
      return { dXp: g.dXp, wh: g.wh, dPrev: g.dState };
    }
    const zero = e.zeros([B, H]);
    const valid = (d: Tensor | undefined) => (d ? e.where(rec.mask!, d, zero) : undefined);
    const padded = (d: Tensor | undefined) => (d ? e.where(rec.mask!, zero, d) : undefined);
    const g = cell.stepBackward(e, params, prep, rec.cache, { h: valid(dh)!, c: valid(carry.c) }, tape.recurrentMask);
    return {
      dXp: g.dXp,
      wh: g.wh,
      dPrev: { h: addMaybe(e, g.dState.h, padded(carry.h))!, c: cell.hasCellState ? addMaybe(e, g.dState.c, padded(carry.c)) : undefined },
    };
  };

  if (tape.seq && (k1 < T || k2 < T || opts.onStepGrad)) tape.materialize();
  if (tape.seq && !tape.steps.length) {
    const result = e.scope(() => sequenceGrads(e, tape, opts));
    if (!opts.keepTape) tape.dispose();
    return result;
  }

  const result = e.scope(() => {
    // Per time index: accumulated d(xp) and per-piece d(out) of the recurrent matmuls.
    const dXp: (Tensor | undefined)[] = new Array(T);
    const dWhOut: (Tensor | undefined)[][] = Array.from({ length: T }, () => []);
    const whIn: WhPiece['input'][][] = Array.from({ length: T }, () => []);
    let dh0: Tensor | undefined;
    let dc0: Tensor | undefined;
    // The gradient carried back through time; the caller's dState is never freed here.
    const carried = new Arena([opts.dState?.h, opts.dState?.c]);

    // TBPTT(k1, k2): each block of k1 steps (in processing order) sends gradient back k2 steps.
    for (let blockStart = 0; blockStart < T; blockStart += k1) {
      const blockEnd = Math.min(blockStart + k1, T) - 1;
      const sweepStart = Math.max(0, blockEnd - k2 + 1);
      let carry: Partial<CellState> = blockEnd === T - 1 ? { ...opts.dState } : {};
      for (let p = blockEnd; p >= sweepStart; p--) {
        const t = order[p];
        const g = e.scope(() => stepGrad(t, carry, p >= blockStart));
        dXp[t] = accumulate(e, dXp[t], g.dXp);
        g.wh.forEach((piece, k) => {
          whIn[t][k] = piece.input;
          dWhOut[t][k] = accumulate(e, dWhOut[t][k], piece.dOut);
        });
        carried.free(carry.h, carry.c);
        carry = carried.own(g.dPrev);
      }
      if (sweepStart === 0) {
        dh0 = accumulate(e, dh0, carry.h!);
        dc0 = carry.c ? accumulate(e, dc0, carry.c) : dc0;
        carried.release(carry.h, carry.c);
      } else carried.free(carry.h, carry.c);
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

/**
 * Gradients of a whole-sequence forward (Cell.sequenceBackward): d(xp) comes time-major, so x
 * is gathered into time-major rows for dWx (and dx gathered back); dWh, dWx, dx are one matmul
 * each, as in the step loop.
 */
function sequenceGrads(e: Engine, tape: RnnTape, opts: RnnBackwardOptions): RnnBackwardResult | Omit<RnnBackwardResult, 'dx'> {
  const { cell, params, x } = tape;
  const [B, T, D] = x.shape as [number, number, number];
  const H = cell.config.units;
  const G = cell.gates;
  const d: CellState = { h: opts.dState?.h ?? e.zeros([B, H]), c: cell.hasCellState ? (opts.dState?.c ?? e.zeros([B, H])) : undefined };
  const g = cell.sequenceBackward!(e, params, tape.seq!, tape.initialState, d, opts.dy);
  const dXP = g.dXp.reshape([T * B, G * H]);
  // Row t*B + b of the time-major layout is row b*T + t of the batch-major one.
  const toTime = e.tensor(rowOrder(B, T), [T * B]);
  const dHP = g.dHp?.reshape([T * B, G * H]) ?? dXP;
  const grads: RnnGrads = {
    Wx: e.matmul(e.gatherRows(x.reshape([B * T, D]), toTime), dXP, { transposeA: true }),
    Wh: g.dWh ?? e.matmul(g.hIn.reshape([T * B, H]), dHP, { transposeA: true }),
  };
  const db = params.bx || (params.bh && dHP === dXP) ? e.sumBatch(dXP) : undefined;
  if (params.bx) grads.bx = db;
  if (params.bh) grads.bh = dHP !== dXP ? e.sumBatch(dHP) : params.bx ? e.affine(db!, 1, 0) : db; // d(hp) = d(xp) unless the cell gives dHp: the same sum
  const dState0 = g.dState0;
  if (opts.inputGrad === false) return { grads, dState0 };
  const toBatch = e.tensor(rowOrder(T, B), [B * T]);
  const dx = e.gatherRows(e.matmul(dXP, params.Wx, { transposeB: true }), toBatch).reshape([B, T, D]);
  return { grads, dx, dState0 };
}

/** Row i = t*B + b of a [T, B] layout reads row b*T + t of the [B, T] one (a plain loop: built at every training step). */
function rowOrder(B: number, T: number): Float32Array {
  const out = new Float32Array(B * T);
  for (let t = 0, i = 0; t < T; t++) for (let b = 0; b < B; b++, i++) out[i] = b * T + t;
  return out;
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
