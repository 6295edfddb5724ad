/**
 * The benchmark workloads and their data and initial weights, made once on the host so both
 * implementations train exactly the same model from exactly the same numbers.
 */
import { GATES } from '@recurrent/core';
import { testRandom } from '@recurrent/core/testing';

export interface Workload {
  name: string;
  cell: 'simpleRnn' | 'lstm' | 'gru';
  /** GRU only: reset gate after the recurrent matmul (ours only: tfjs-layers has reset-before alone). */
  resetAfter?: boolean;
  units: number;
  steps: number;
  inputSize: number;
  batch: number;
  /** Dense output size: 1 with a sigmoid (binary crossentropy), else a softmax (categorical). */
  classes: number;
  /** A prediction (and loss) at every step, else at the last step only. */
  perStep: boolean;
  /** Inputs are one-hot characters (the char-LSTM). */
  oneHot: boolean;
  /** Run on tfjs-layers too (false for models tfjs-layers cannot express). */
  tfjs: boolean;
  warmup: number;
  measured: number;
  /**
   * Fewer measured steps for the gpu.js backend than `measured`, if its steps are too slow on
   * some machine (unset: `measured`); they interleave with the first rounds of the other two.
   */
  gpujsMeasured?: number;
}

/**
 * Measured steps per side: one per side per interleaved round. Enough rounds that the ratios are
 * stable to the digits printed (interleave.ts's ratioOf prints only the decimals the spread of
 * the per-round ratios supports; more rounds, more digits).
 */
const base = { resetAfter: false, perStep: false, oneHot: false, tfjs: true, warmup: 2, measured: 15 };

export const WORKLOADS: Workload[] = [
  { ...base, name: 'SimpleRNN(50), T=20, D=1, B=32, Dense(1) sigmoid', cell: 'simpleRnn', units: 50, steps: 20, inputSize: 1, batch: 32, classes: 1, measured: 31 },
  { ...base, name: 'LSTM(128), T=50, D=32, B=32, Dense(10) softmax', cell: 'lstm', units: 128, steps: 50, inputSize: 32, batch: 32, classes: 10 },
  { ...base, name: 'GRU(128) reset-before, T=50, D=32, B=32, Dense(10) softmax', cell: 'gru', units: 128, steps: 50, inputSize: 32, batch: 32, classes: 10 },
  {
    ...base,
    name: 'GRU(128) reset-after (ours only), T=50, D=32, B=32, Dense(10) softmax',
    cell: 'gru',
    resetAfter: true,
    units: 128,
    steps: 50,
    inputSize: 32,
    batch: 32,
    classes: 10,
    tfjs: false,
  },
  {
    ...base,
    name: 'char-LSTM(256), T=100, one-hot vocab 65, B=32, softmax at every step',
    cell: 'lstm',
    units: 256,
    steps: 100,
    inputSize: 65,
    batch: 32,
    classes: 65,
    perStep: true,
    oneHot: true,
    warmup: 1,
    measured: 9,
  },
];

/** Weights in our layout (gate-concatenated, PyTorch gate order) and the batch, as host arrays. */
export interface HostModel {
  Wx: Float32Array; // [D, G*H]
  Wh: Float32Array; // [H, G*H]
  b: Float32Array; // [G*H]
  W: Float32Array; // [H, K]
  bd: Float32Array; // [K]
  x: Float32Array; // [B, T, D]
  /** One-hot targets: [B, K], [B, T, K] (perStep), or 0/1 [B, 1] for a sigmoid output. */
  y: Float32Array;
}

export function hostModel(w: Workload, seed = 1): HostModel {
  const rand = testRandom(seed);
  const { inputSize: D, units: H, classes: K, batch: B, steps: T } = w;
  const G = GATES[w.cell];
  const glorot = (fanIn: number, fanOut: number, n: number) => {
    const s = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: n }, () => rand(-s, s));
  };
  const x = new Float32Array(B * T * D);
  if (w.oneHot) for (let i = 0; i < B * T; i++) x[i * D + Math.floor(rand(0, D))] = 1;
  else for (let i = 0; i < x.length; i++) x[i] = rand(-1, 1);
  const rows = w.perStep ? B * T : B;
  const y = new Float32Array(rows * K);
  for (let r = 0; r < rows; r++) {
    if (K === 1) y[r] = rand(0, 1) < 0.5 ? 0 : 1;
    else y[r * K + Math.min(K - 1, Math.floor(rand(0, K)))] = 1;
  }
  return {
    Wx: glorot(D, G * H, D * G * H),
    Wh: glorot(H, G * H, H * G * H),
    b: Float32Array.from({ length: G * H }, () => rand(-0.1, 0.1)),
    W: glorot(H, K, H * K),
    bd: new Float32Array(K),
    x,
    y,
  };
}

/** Reorders the gate blocks of a [rows, G*H] matrix: block g of the result is block order[g]. */
export function permuteGates(m: Float32Array, rows: number, units: number, order: number[]): Float32Array {
  const G = order.length;
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++)
    for (let g = 0; g < G; g++) out.set(m.subarray(r * G * units + order[g] * units, r * G * units + (order[g] + 1) * units), r * G * units + g * units);
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
