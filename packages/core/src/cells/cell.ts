/**
 * The contract every recurrent cell implements. A cell owns its recurrent matmul(s) and its
 * pointwise step; bptt.ts owns everything about time (the input projection for all steps at
 * once, the loop, masking, truncation, reverse direction, and the weight-gradient matmuls).
 *
 * Parameters are stored gate-concatenated: Wx [D, G*H], Wh [H, G*H], bx [G*H], bh [G*H].
 * Gate order: LSTM i, f, g, o (PyTorch and Keras); GRU r, z, n (PyTorch; Keras is z, r, h).
 */
import type { Engine, Tensor } from '../engine.js';
import type { RecurrentActivation } from '../recurrent-activation.js';
import type { CellKind } from './facts.js';
import type { RecurrentMask } from './recurrent-input.js';

export type { CellKind } from './facts.js';

export interface CellConfig {
  kind: CellKind;
  inputSize: number;
  units: number;
  /** SimpleRNN activation (default 'tanh'). */
  activation?: 'tanh' | 'relu';
  /** GRU: apply the reset gate after the recurrent matmul (default true: PyTorch, Keras 3, cuDNN). */
  resetAfter?: boolean;
  /**
   * LSTM/GRU: the function of the gates LSTM i, f, o and GRU r, z (default 'sigmoid', the
   * logistic). 'hardSigmoidKeras2' is tfjs-layers' and Keras 2's hard sigmoid, clip(0.2 v + 0.5,
   * 0, 1); 'hardSigmoidKeras3' is Keras 3's, clip(v / 6 + 0.5, 0, 1).
   */
  recurrentActivation?: RecurrentActivation;
}

export interface CellParams {
  Wx: Tensor;
  Wh: Tensor;
  /** Input bias [G*H]. Optional (useBias: false). */
  bx?: Tensor;
  /** Recurrent bias [G*H]. Optional; GRU reset-after keeps it apart from bx (b_hn is inside r*(...)). */
  bh?: Tensor;
}

export interface CellState {
  h: Tensor;
  /** LSTM cell state. */
  c?: Tensor;
}

/**
 * Tensors a cell keeps from `prepare` (once per sequence) or from a step for its backward. Each
 * cell declares its own record type (e.g. LstmCache); bptt owns every tensor in it.
 */
/** What a cell's whole-sequence forward keeps for its backward (time-major tensors). */
export type SequenceTensors = { readonly [name: string]: Tensor };

export type StepTensors = { readonly [name: string]: Tensor | readonly Tensor[] | undefined };

/** One recurrent matmul's operands for the weight gradient: dWh[:, cols] += input^T @ dOut. */
export interface WhPiece {
  input: Tensor;
  dOut: Tensor;
}

export interface StepGrad {
  /** d(x @ Wx + bx) for this step [B, G*H]. */
  dXp: Tensor;
  /** d(previous state). */
  dState: CellState;
  /** Recurrent-weight gradient pieces, in column order of Wh. */
  wh: WhPiece[];
}

export interface Cell<Cache extends StepTensors = StepTensors, Prep extends StepTensors = StepTensors> {
  readonly config: Required<CellConfig>;
  /** Gates G: columns of Wx/Wh are G*H (CELL_FACTS). */
  readonly gates: number;
  readonly hasCellState: boolean;
  /** Per-sequence work done once (e.g. weight slices). Tensors returned are owned by the tape. */
  prepare(e: Engine, p: CellParams): Prep;
  /**
   * One step: xp = x_t @ Wx + bx for this step. Returns the new state and what backward needs.
   * `mask` (recurrent dropout) multiplies h where it enters the recurrent matmul(s) only.
   */
  step(e: Engine, p: CellParams, prep: Prep, xp: Tensor, state: CellState, mask?: RecurrentMask): { state: CellState; cache: Cache };
  /** Backward of one step from d(new state), with the step's mask. Must not dispose anything it did not create. */
  stepBackward(e: Engine, p: CellParams, prep: Prep, cache: Cache, d: CellState, mask?: RecurrentMask): StepGrad;
  /**
   * Optional: the whole forward sequence in one fused op, for training without lengths,
   * recurrent dropout or reverse order (bptt.ts decides). Undefined when the backend has no
   * kernel for it (the step loop is then as fast). xp [B, T, G*H]. Returns the outputs y
   * [B, T, H], the final state and what sequenceBackward needs.
   */
  sequence?(e: Engine, p: CellParams, xp: Tensor, state0: CellState): { y: Tensor; state: CellState; seq: SequenceTensors } | undefined;
  /**
   * Backward of `sequence` from d(final state) and d(y): d(xp) of every step, time-major
   * [T, B, G*H], which is also d(hp), the recurrent matmul's output gradient, unless `dHp` gives
   * d(hp) apart (GRU reset-after: r * d(pre_n) in the n gate), or `dWh` the recurrent weight
   * gradient itself (GRU reset-before: two matmuls with different inputs); the recurrent matmul's input at every step, time-major [T, B, H] (for dWh); and
   * d(initial state).
   */
  sequenceBackward?(e: Engine, p: CellParams, seq: SequenceTensors, state0: CellState, d: CellState, dy?: Tensor): { dXp: Tensor; dHp?: Tensor; dWh?: Tensor; hIn: Tensor; dState0: CellState };
  /**
   * Step t's cache and state from a sequence's tensors (new tensors; the last step's state is
   * `final` itself, as in the step loop), for the step loop's backward and inspection.
   */
  sequenceStep?(e: Engine, seq: SequenceTensors, state0: CellState, final: CellState, t: number): { cache: Cache; state: CellState };
  /**
   * The gate activations of a step, each [B, H], in the order of CELL_FACTS[kind].gates: new
   * tensors the caller owns. Absent for a cell without gates (SimpleRNN).
   */
  gateActivations?(e: Engine, cache: Cache): Tensor[];
}
