/**
 * The benchmark workloads, their data and initial weights, and their FLOP counts.
 *
 * Data and weights are generated on the host from a seeded Rng, so every library (each in its
 * own child process) trains the same model on the same batch from the same starting point.
 */
import { Rng, initializers } from '@recurrent/core';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4';
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

export interface Workload {
  id: WorkloadId;
  title: string;
  cell: CellKind;
  units: number;
  steps: number;
  features: number;
  /** Output classes (1: a sigmoid unit with binary crossentropy). */
  classes: number;
  /** 'last': one output per sequence from the final state; 'every': an output at every step. */
  head: 'last' | 'every';
  batch: number;
  /** Inputs are one-hot characters (W4). */
  oneHot: boolean;
}

export const WORKLOADS: Record<WorkloadId, Workload> = {
  W1: {
    id: 'W1',
    title: 'SimpleRNN(50), T=20, D=1, Dense(1, sigmoid), BCE',
    cell: 'simpleRnn',
    units: 50,
    steps: 20,
    features: 1,
    classes: 1,
    head: 'last',
    batch: 32,
    oneHot: false,
  },
  W2: {
    id: 'W2',
    title: 'LSTM(128), T=50, D=32, Dense(10) softmax',
    cell: 'lstm',
    units: 128,
    steps: 50,
    features: 32,
    classes: 10,
    head: 'last',
    batch: 32,
    oneHot: false,
  },
  W3: {
    id: 'W3',
    title: 'GRU(128), T=50, D=32, Dense(10) softmax',
    cell: 'gru',
    units: 128,
    steps: 50,
    features: 32,
    classes: 10,
    head: 'last',
    batch: 32,
    oneHot: false,
  },
  W4: {
    id: 'W4',
    title: 'char-LSTM(256), T=100, one-hot vocab 65, softmax at every step',
    cell: 'lstm',
    units: 256,
    steps: 100,
    features: 65,
    classes: 65,
    head: 'every',
    batch: 32,
    oneHot: true,
  },
};

export const GATES: Record<CellKind, number> = { simpleRnn: 1, lstm: 4, gru: 3 };

/** The shape of a computation, for FLOP counting. */
export interface FlopShape {
  batch: number;
  steps: number;
  features: number;
  units: number;
  gates: number;
  classes: number;
  /** Steps that produce an output through the dense layer. */
  outputs: number;
}

export const flopShape = (w: Workload, batch = w.batch): FlopShape => ({
  batch,
  steps: w.steps,
  features: w.features,
  units: w.units,
  gates: GATES[w.cell],
  classes: w.classes,
  outputs: w.head === 'every' ? w.steps : 1,
});

/**
 * Matmul FLOPs of one forward pass: input projection, recurrent projection, dense head
 * (2 per multiply-add). Elementwise work (activations, gates) is not counted.
 */
export function forwardFlops(s: FlopShape): number {
  const gh = s.gates * s.units;
  return 2 * s.batch * (s.steps * (s.features * gh + s.units * gh) + s.outputs * s.units * s.classes);
}

/** A training step: forward, gradient with respect to the inputs of each matmul, and with respect to its weights. */
export const trainFlops = (s: FlopShape): number => 3 * forwardFlops(s);

export interface Batch {
  /** [B, T, D] row-major. */
  x: Float32Array;
  /** Class index per output row ([B] for 'last', [B, T] for 'every'); 0/1 for W1. */
  labels: Float32Array;
}

/** Seeded data: W1 is the seed tutorial's task (is the sum positive?), W2/W3 random classes, W4 random characters. */
export function makeBatch(w: Workload, batch = w.batch, seed = 1): Batch {
  const rng = new Rng(seed);
  const { steps: T, features: D } = w;
  const x = new Float32Array(batch * T * D);
  if (w.oneHot) {
    const chars = Array.from({ length: batch * (T + 1) }, () => rng.int(D));
    const labels = new Float32Array(batch * T);
    for (let b = 0; b < batch; b++)
      for (let t = 0; t < T; t++) {
        x[(b * T + t) * D + chars[b * (T + 1) + t]] = 1;
        labels[b * T + t] = chars[b * (T + 1) + t + 1];
      }
    return { x, labels };
  }
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    if (w.classes === 1) {
      let s = 0;
      for (let i = b * T * D; i < (b + 1) * T * D; i++) s += x[i];
      labels[b] = s > 0 ? 1 : 0;
    } else labels[b] = rng.int(w.classes);
  }
  return { x, labels };
}

/** Initial weights in our layout (Keras 3 defaults): gates i,f,g,o (LSTM), r,z,n (GRU). */
export interface Weights {
  Wx: Float32Array; // [D, G*H]
  Wh: Float32Array; // [H, G*H]
  bx: Float32Array; // [G*H]
  /** GRU reset-after recurrent bias [G*H] (zeros at init). */
  bh?: Float32Array;
  Wd: Float32Array; // [H, K]
  bd: Float32Array; // [K]
}

export function makeWeights(w: Workload, seed = 7): Weights {
  const rng = new Rng(seed);
  const { features: D, units: H, classes: K } = w;
  const GH = GATES[w.cell] * H;
  const f32 = (a: Float64Array) => Float32Array.from(a);
  return {
    Wx: f32(initializers.glorotUniform([D, GH], rng)),
    Wh: f32(initializers.orthogonal()([H, GH], rng)),
    bx: w.cell === 'lstm' ? f32(initializers.unitForgetBias(H)) : new Float32Array(GH),
    bh: w.cell === 'gru' ? new Float32Array(GH) : undefined,
    Wd: f32(initializers.glorotUniform([H, K], rng)),
    bd: new Float32Array(K),
  };
}

/** GRU weight columns: ours are r, z, n (PyTorch order), Keras / tfjs's are z, r, h. m is [rows, 3h]. */
export function gruToKeras(m: Float32Array, rows: number, h: number): Float32Array {
  const out = new Float32Array(m.length);
  const cols = 3 * h;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    out.set(m.subarray(o + h, o + 2 * h), o); // z
    out.set(m.subarray(o, o + h), o + h); // r
    out.set(m.subarray(o + 2 * h, o + 3 * h), o + 2 * h); // n (Keras: h)
  }
  return out;
}
