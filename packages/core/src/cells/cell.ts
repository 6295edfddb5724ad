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

export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

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

export type StepCache = Record<string, Tensor>;

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

export interface Cell {
  readonly config: Required<CellConfig>;
  /** Gates G: columns of Wx/Wh are G*H. */
  readonly gates: number;
  readonly hasCellState: boolean;
  /** Per-sequence work done once (e.g. weight slices). Tensors returned are owned by the tape. */
  prepare(e: Engine, p: CellParams): StepCache;
  /** One step: xp = x_t @ Wx + bx for this step. Returns the new state and what backward needs. */
  step(e: Engine, p: CellParams, prep: StepCache, xp: Tensor, state: CellState): { state: CellState; cache: StepCache };
  /** Backward of one step from d(new state). Must not dispose anything it did not create. */
  stepBackward(e: Engine, p: CellParams, prep: StepCache, cache: StepCache, d: CellState): StepGrad;
}

export const GATES: Record<CellKind, number> = { simpleRnn: 1, lstm: 4, gru: 3 };
