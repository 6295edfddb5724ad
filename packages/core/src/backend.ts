/**
 * The op interface: the one contract between @recurrent/core and a compute backend.
 *
 * A backend is a plain object: a table of kernels (one per op name, checked exhaustively by
 * the type system, so a missing kernel is a compile error), buffer management, and optional
 * fused kernels that core uses when present and replaces with the primitives when absent.
 *
 * Kernels never validate shapes: the engine (engine.ts) checks every call once, computes the
 * output shape, and passes it in. All data is float32 (integer labels are stored as floats).
 * Tensors are row-major; sequences are batch-first [B, T, D].
 */

import type { RecurrentActivation } from './recurrent-activation.js';

export type Shape = readonly number[];

/** A backend's own buffer handle. Opaque to core. */
export type DataId = number;

/** What a kernel sees of an input tensor. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
}

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'square' | 'tanh' | 'sigmoid' | 'relu';
export type ActivationGradOp = 'tanhGrad' | 'sigmoidGrad' | 'reluGrad';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum';

type Unary = { inputs: [x: TensorInfo]; attrs: Record<string, never> };
type ActGrad = { inputs: [y: TensorInfo, dy: TensorInfo]; attrs: Record<string, never> };
type Binary = { inputs: [a: TensorInfo, b: TensorInfo]; attrs: Record<string, never> };

/**
 * Every primitive op, its inputs and its attributes.
 *
 * Broadcasting is deliberately narrow, so every backend can implement it in one pass:
 * a binary op's `b` (and `where`'s `cond`) is either the same shape as `a`, a row vector
 * with `a`'s last dimension (a bias), a column [M, 1] against a 2-D `a` (a per-row factor),
 * or a single element.
 */
export interface OpSpec {
  // elementwise, x -> same shape
  neg: Unary;
  exp: Unary;
  log: Unary;
  sqrt: Unary;
  abs: Unary;
  sign: Unary;
  square: Unary;
  tanh: Unary;
  sigmoid: Unary;
  relu: Unary;
  /** dy * (1 - y^2), y = tanh(x) */
  tanhGrad: ActGrad;
  /** dy * y * (1 - y), y = sigmoid(x) */
  sigmoidGrad: ActGrad;
  /** dy where y > 0, else 0; y = relu(x) */
  reluGrad: ActGrad;
  add: Binary;
  sub: Binary;
  mul: Binary;
  div: Binary;
  maximum: Binary;
  /** x * scale + shift */
  affine: { inputs: [x: TensorInfo]; attrs: { scale: number; shift: number } };
  /** min(max(x, min), max) */
  clip: { inputs: [x: TensorInfo]; attrs: { min: number; max: number } };
  /** cond > 0.5 ? a : b, cond broadcast like a binary op's b. */
  where: { inputs: [cond: TensorInfo, a: TensorInfo, b: TensorInfo]; attrs: Record<string, never> };
  /** op(a) @ op(b) (+ bias [N]) for 2-D a, b. */
  matmul: {
    inputs: [a: TensorInfo, b: TensorInfo, bias?: TensorInfo];
    attrs: { transposeA: boolean; transposeB: boolean };
  };
  /** Sum over the first (batch) axis: [M, ...rest] -> [...rest]. */
  sumBatch: Unary;
  /** Sum over the last axis, kept as size 1: [..., N] -> [..., 1]. */
  sumLast: Unary;
  /** Sum of every element: -> [] (a scalar). */
  sumAll: Unary;
  /** Softmax over the last axis. */
  softmax: Unary;
  /** Log-softmax over the last axis (computed stably). */
  logSoftmax: Unary;
  /** x[:, t, :] of x [B, T, D] -> [B, D]. */
  sliceTime: { inputs: [x: TensorInfo]; attrs: { t: number } };
  /** T tensors [B, D] -> [B, T, D]. */
  stackTime: { inputs: TensorInfo[]; attrs: Record<string, never> };
  /** x[:, start:start+size] of x [M, N] -> [M, size]. */
  sliceCols: { inputs: [x: TensorInfo]; attrs: { start: number; size: number } };
  /** [M, N_i] tensors -> [M, sum N_i]. */
  concatCols: { inputs: TensorInfo[]; attrs: Record<string, never> };
  /** A new tensor of `shape` filled with `value`. */
  fill: { inputs: []; attrs: { shape: Shape; value: number } };
  /** labels [...] (integers in [0, depth)) -> [..., depth]. */
  oneHot: { inputs: [labels: TensorInfo]; attrs: { depth: number } };
  /** Rows of table [V, E] at indices [N] (integers in [0, V)) -> [N, E]. An embedding lookup. */
  gatherRows: { inputs: [table: TensorInfo, indices: TensorInfo]; attrs: Record<string, never> };
  /** The transpose of gatherRows: out[indices[n]] += values[n]; values [N, E] -> [rows, E]. */
  scatterAddRows: { inputs: [values: TensorInfo, indices: TensorInfo]; attrs: { rows: number } };
}

export type OpName = keyof OpSpec;
export type OpInputs<K extends OpName> = OpSpec[K]['inputs'];
export type OpAttrs<K extends OpName> = OpSpec[K]['attrs'];

/** A kernel receives validated inputs and the output shape the engine computed. */
export type Kernel<K extends OpName> = (inputs: OpInputs<K>, attrs: OpAttrs<K>, outShape: Shape) => DataId;
export type Kernels = { [K in OpName]: Kernel<K> };

/**
 * Optional fused kernels. Each one replaces a sequence of primitives in the recurrent hot
 * path; core computes the same thing from the primitives when a backend leaves it out
 * (see internal/fallbacks.ts), and the conformance suite checks both paths.
 *
 * Gate layouts (columns of the [B, G*H] pre-activations):
 *   LSTM: i, f, g, o (PyTorch and Keras order).  GRU: r, z, n (PyTorch order).
 *
 * `sig` below is the attribute `recurrentActivation` (recurrent-activation.ts): the logistic
 * sigmoid or one of the two hard sigmoids. Backward kernels take the derivative from the gate
 * outputs: y * (1 - y) for the sigmoid, slope * [0 < y < 1] for a hard sigmoid.
 */
export interface FusedSpec {
  /** SimpleRNN step: h' = act(xp + hp), act = tanh or relu. One pass instead of two. */
  simpleRnnCell: {
    inputs: [xp: TensorInfo, hp: TensorInfo];
    outputs: { h: Shape };
    attrs: { activation: 'tanh' | 'relu' };
  };
  /**
   * LSTM pointwise step. xp = x@Wx + bx [B, 4H], hp = h@Wh + bh [B, 4H], c [B, H].
   * pre = xp + hp; gates = [sig(i), sig(f), tanh(g), sig(o)] [B, 4H];
   * c' = f*c + i*g; h' = o*tanh(c').
   */
  lstmCell: {
    inputs: [xp: TensorInfo, hp: TensorInfo, c: TensorInfo];
    outputs: { h: Shape; c: Shape; gates: Shape };
    attrs: GateAttrs;
  };
  /** Backward of lstmCell: d(pre) [B, 4H] and d(c) [B, H] from dh', dc'. */
  lstmCellGrad: {
    inputs: [gates: TensorInfo, cPrev: TensorInfo, c: TensorInfo, dh: TensorInfo, dc: TensorInfo];
    outputs: { dPre: Shape; dcPrev: Shape };
    attrs: GateAttrs;
  };
  /**
   * A whole LSTM sequence, forward, for training: the loop of h@Wh + lstmCell over the T steps
   * in one op (so a backend can run it without returning between steps, e.g. each thread its
   * own batch rows). xp = x@Wx + bx [B, T, 4H], Wh [H, 4H], initial state h0, c0 [B, H], the
   * optional recurrent bias bh [4H]. Step t: hp_t = hIn_t @ Wh + bh with hIn_0 = h0, hIn_t = h_{t-1}; (h_t, c_t, gates_t) = lstmCell(xp[:, t], hp_t, c_{t-1}).
   * Outputs: y [B, T, H] (h_t at every step), hIn [T, B, H] (time-major: the h entering each
   * step), cs [T, B, H] (c_t) and gates [T, B, 4H], time-major, and the final h, c [B, H].
   */
  lstmSequence: {
    inputs: [xp: TensorInfo, Wh: TensorInfo, h0: TensorInfo, c0: TensorInfo, bh?: TensorInfo];
    outputs: { y: Shape; hIn: Shape; cs: Shape; gates: Shape; h: Shape; c: Shape };
    attrs: GateAttrs;
  };
  /**
   * Backward of lstmSequence from d(final h), d(final c) [B, H] and optionally d(y) [B, T, H]:
   * dh_{T-1} = dh + dy[:, T-1]; for t = T-1 .. 0: (dPre_t, dc_{t-1}) = lstmCellGrad(gates_t,
   * c_{t-1}, c_t, dh_t, dc_t) with c_{-1} = c0, and dh_{t-1} = dy[:, t-1] + dPre_t @ Wh^T.
   * Outputs: dPre [T, B, 4H] (time-major: d(xp) of every step), dh0 = dPre_0 @ Wh^T and dc0 [B, H].
   */
  lstmSequenceGrad: {
    inputs: [gates: TensorInfo, cs: TensorInfo, c0: TensorInfo, Wh: TensorInfo, dh: TensorInfo, dc: TensorInfo, dy?: TensorInfo];
    outputs: { dPre: Shape; dh0: Shape; dc0: Shape };
    attrs: GateAttrs;
  };
  /**
   * A whole SimpleRNN sequence, forward, for training (as lstmSequence): xp = x@Wx + bx
   * [B, T, H], Wh [H, H], h0 [B, H], the optional bh [H]. Step t: h_t = simpleRnnCell(xp[:, t],
   * hIn_t @ Wh + bh) with hIn_0 = h0, hIn_t = h_{t-1}. Outputs: y [B, T, H], hIn [T, B, H]
   * (time-major: the h entering each step) and the final h [B, H].
   */
  simpleRnnSequence: {
    inputs: [xp: TensorInfo, Wh: TensorInfo, h0: TensorInfo, bh?: TensorInfo];
    outputs: { y: Shape; hIn: Shape; h: Shape };
    attrs: { activation: 'tanh' | 'relu' };
  };
  /**
   * Backward of simpleRnnSequence from its hIn, its final h (h_t is hIn_{t+1}, the last one h),
   * d(final h) [B, H] and optionally d(y) [B, T, H]: dh_{T-1} = dh + dy[:, T-1]; for t = T-1 .. 0:
   * dPre_t = tanhGrad(h_t, dh_t) (reluGrad for relu) and dh_{t-1} = dy[:, t-1] + dPre_t @ Wh^T.
   * Outputs: dPre [T, B, H] (time-major: d(xp) = d(hp) of every step) and dh0 = dPre_0 @ Wh^T.
   */
  simpleRnnSequenceGrad: {
    inputs: [hIn: TensorInfo, h: TensorInfo, Wh: TensorInfo, dh: TensorInfo, dy?: TensorInfo];
    outputs: { dPre: Shape; dh0: Shape };
    attrs: { activation: 'tanh' | 'relu' };
  };
  /**
   * A whole GRU (reset-after) sequence, forward, for training (as lstmSequence): xp [B, T, 3H],
   * Wh [H, 3H], h0 [B, H], the optional bh [3H]. Step t: (h_t, cache_t) = gruCell(xp[:, t],
   * hIn_t @ Wh + bh, hIn_t) with hIn_0 = h0, hIn_t = h_{t-1}. Outputs: y [B, T, H], hIn and
   * cache time-major ([T, B, H], [T, B, 4H]) and the final h [B, H].
   */
  gruSequence: {
    inputs: [xp: TensorInfo, Wh: TensorInfo, h0: TensorInfo, bh?: TensorInfo];
    outputs: { y: Shape; hIn: Shape; cache: Shape; h: Shape };
    attrs: GateAttrs;
  };
  /**
   * Backward of gruSequence from d(final h) [B, H] and optionally d(y) [B, T, H]:
   * dh_{T-1} = dh + dy[:, T-1]; for t = T-1 .. 0: (dXp_t, dHp_t, dhDirect_t) = gruCellGrad(cache_t,
   * hIn_t, dh_t) and dh_{t-1} = dhDirect_t + dHp_t @ Wh^T + dy[:, t-1]. Outputs, time-major:
   * dXp and dHp [T, B, 3H] (d(hp) differs from d(xp) in the n gate), and dh0 [B, H].
   */
  gruSequenceGrad: {
    inputs: [cache: TensorInfo, hIn: TensorInfo, Wh: TensorInfo, dh: TensorInfo, dy?: TensorInfo];
    outputs: { dXp: Shape; dHp: Shape; dh0: Shape };
    attrs: GateAttrs;
  };
  /**
   * A whole GRU reset-before sequence (Keras reset_after=False), forward, for training: xp
   * [B, T, 3H], Wh [H, 3H], h0 [B, H], the optional bh [3H]. Step t, with h = hIn_t (hIn_0 = h0):
   * (rz, rh) = gruBeforeGates(xp[:, t], h @ Wh[:, r|z] + bh[r|z], h); (h_t, n) =
   * gruBeforeState(xp[:, t], rh @ Wh[:, n] + bh[n], rz, h). Outputs: y [B, T, H], hIn [T, B, H],
   * cache [T, B, 4H] = [r, z, n, r*h] of every step (time-major), and the final h [B, H].
   */
  gruBeforeSequence: {
    inputs: [xp: TensorInfo, Wh: TensorInfo, h0: TensorInfo, bh?: TensorInfo];
    outputs: { y: Shape; hIn: Shape; cache: Shape; h: Shape };
    attrs: GateAttrs;
  };
  /**
   * Backward of gruBeforeSequence from d(final h) [B, H] and optionally d(y) [B, T, H]:
   * dh_{T-1} = dh + dy[:, T-1]; for t = T-1 .. 0, with rz, n from cache_t and h = hIn_t:
   * dPreN = gruBeforeGradN(rz, n, dh_t); (dXp_t, dhDirect) = gruBeforeGrad(rz, n, h, dh_t,
   * dPreN @ Wh[:, n]^T); dh_{t-1} = dhDirect + dXp_t[:, :2H] @ Wh[:, r|z]^T + dy[:, t-1].
   * Outputs: dXp [T, B, 3H] (time-major; also d(hp) of both recurrent matmuls) and dh0 [B, H].
   */
  gruBeforeSequenceGrad: {
    inputs: [cache: TensorInfo, hIn: TensorInfo, Wh: TensorInfo, dh: TensorInfo, dy?: TensorInfo];
    outputs: { dXp: Shape; dh0: Shape };
    attrs: GateAttrs;
  };
  /**
   * GRU (reset-after) pointwise step. xp = x@Wx + bx [B, 3H], hp = h@Wh + bh [B, 3H].
   * r = sig(xp_r + hp_r); z = sig(xp_z + hp_z); n = tanh(xp_n + r*hp_n);
   * h' = (1-z)*n + z*h. cache = [r, z, n, hp_n] [B, 4H].
   */
  gruCell: {
    inputs: [xp: TensorInfo, hp: TensorInfo, h: TensorInfo];
    outputs: { h: Shape; cache: Shape };
    attrs: GateAttrs;
  };
  /** Backward of gruCell: d(xp) [B, 3H], d(hp) [B, 3H], and the direct part of d(h) (dh'*z). */
  gruCellGrad: {
    inputs: [cache: TensorInfo, h: TensorInfo, dh: TensorInfo];
    outputs: { dXp: Shape; dHp: Shape; dhDirect: Shape };
    attrs: GateAttrs;
  };
  /**
   * GRU reset-before (Keras reset_after=False), first half of a step. xp = x@Wx + bx [B, 3H],
   * hpRz = h@Wh[:, r|z] + bh[r|z] [B, 2H], h [B, H].
   * rz = sig(xp[:, :2H] + hpRz) [B, 2H]; rh = r*h [B, H], the input of the n-gate matmul.
   */
  gruBeforeGates: {
    inputs: [xp: TensorInfo, hpRz: TensorInfo, h: TensorInfo];
    outputs: { rz: Shape; rh: Shape };
    attrs: GateAttrs;
  };
  /**
   * GRU reset-before, second half. hpN = (r*h)@Wh[:, n] + bh[n] [B, H].
   * n = tanh(xp_n + hpN); h' = (1-z)*n + z*h = n + z*(h - n).
   */
  gruBeforeState: {
    inputs: [xp: TensorInfo, hpN: TensorInfo, rz: TensorInfo, h: TensorInfo];
    outputs: { h: Shape; n: Shape };
  };
  /** Backward of the reset-before step, first part: d(pre_n) = dh' * (1-z) * (1-n^2) [B, H]. */
  gruBeforeGradN: {
    inputs: [rz: TensorInfo, n: TensorInfo, dh: TensorInfo];
    outputs: { dPreN: Shape };
  };
  /**
   * Backward of the reset-before step, second part, given dRh = d(pre_n) @ Wh[:, n]^T [B, H]:
   * d(xp) = [dr, dz, d(pre_n)] [B, 3H] with dr = dRh*h*sig'(r), dz = dh'*(h-n)*sig'(z); and the
   * direct part of d(h), dh'*z + dRh*r [B, H] (the rest is d(xp)[:, :2H] @ Wh[:, r|z]^T).
   */
  gruBeforeGrad: {
    inputs: [rz: TensorInfo, n: TensorInfo, h: TensorInfo, dh: TensorInfo, dRh: TensorInfo];
    outputs: { dXp: Shape; dhDirect: Shape };
    attrs: GateAttrs;
  };
  /**
   * Adam / AdamW update (PyTorch form). m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g^2;
   * p' = p*(1 - lr*decoupledDecay) - lr * (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps).
   */
  adamUpdate: {
    inputs: [p: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo];
    outputs: { p: Shape; m: Shape; v: Shape };
    attrs: { lr: number; beta1: number; beta2: number; eps: number; step: number; decoupledDecay: number };
  };
}

/** The attributes of the fused ops that apply the recurrent activation `sig`. */
export interface GateAttrs {
  recurrentActivation: RecurrentActivation;
}

export type FusedName = keyof FusedSpec;
/** The fused ops over a whole sequence: loops of the step ops (their fallbacks say so). */
export type SequenceFusedName = 'lstmSequence' | 'lstmSequenceGrad' | 'simpleRnnSequence' | 'simpleRnnSequenceGrad' | 'gruSequence' | 'gruSequenceGrad' | 'gruBeforeSequence' | 'gruBeforeSequenceGrad';
/** The fused ops of one step: each a pointwise pass over [B, k*H] buffers (and Adam over a weight). */
export type StepFusedName = Exclude<FusedName, SequenceFusedName>;
type FusedAttrs<K extends FusedName> = FusedSpec[K] extends { attrs: infer A } ? A : Record<string, never>;
/**
 * A fused kernel. It returns null, before allocating anything, for attribute values it does not
 * implement (e.g. a recurrent activation it has no code for): the engine then computes the op
 * from the primitives, and counts the fallback (Engine.fusedCounts), so a kernel never
 * computes with the wrong function and the conformance suite sees when one declines.
 */
export type FusedKernel<K extends FusedName> = (
  inputs: FusedSpec[K]['inputs'],
  attrs: FusedAttrs<K>,
  outShapes: FusedSpec[K]['outputs'],
) => { [O in keyof FusedSpec[K]['outputs']]: DataId } | null;
export type FusedKernels = { [K in FusedName]?: FusedKernel<K> };
export type FusedAttrsOf<K extends FusedName> = FusedAttrs<K>;

export interface MemoryInfo {
  /** Live buffers (textures, arrays) the backend holds for tensors. */
  buffers: number;
  /** Bytes held by those buffers. */
  bytes: number;
}

export interface Backend {
  /** A short name used in errors and reports: 'cpu', 'webgl', 'gpujs'. */
  readonly name: string;
  /** Numerical precision of the kernels; the conformance suite uses it to pick tolerances. */
  readonly precision: 'float32' | 'float64';
  readonly kernels: Kernels;
  readonly fused: FusedKernels;
  /** Copies `values` into a new buffer. */
  write(values: Float32Array | Float64Array, shape: Shape): DataId;
  /** Reads a buffer (a fresh copy the caller owns). */
  read(dataId: DataId): Promise<Float32Array | Float64Array>;
  /**
   * Reads a buffer synchronously; a GPU backend may stall. A backend that cannot read
   * synchronously at all (WebGPU maps buffers only asynchronously) throws a BackendError that
   * says to use `read` (`await t.data()`); core itself and the conformance suite only `read`.
   */
  readSync(dataId: DataId): Float32Array | Float64Array;
  /** Frees a buffer. Called exactly once per buffer by the engine. */
  dispose(dataId: DataId): void;
  memory(): MemoryInfo;
  /** Frees everything the backend holds (contexts, caches). Optional. */
  destroy?(): void;
}
