/**
 * brain.js 2.0.0-beta.24. Its recurrent nets train one sequence at a time (matrix-vector
 * products, a weight update after every sequence), so a training unit here is one sequence.
 *
 * The closest model brain.js expresses for each workload:
 *  - W1-W3: RNNTimeStep / LSTMTimeStep / GRUTimeStep. A time-step net predicts the next input
 *    vector at every step (its output size must equal its input size), so the head differs
 *    from ours (one output per sequence); its RNN cell is ReLU and its GRU is reset-before.
 *  - W4: recurrent.LSTM over character indices (an embedding row per character, 64 characters
 *    plus brain.js's 'unrecognized' = 65 inputs), softmax output at every step: the same model.
 * Weights are brain.js's own initialisation (uniform +-0.08); its update is RMSProp-like with
 * gradients clipped at +-5.
 */
import brain from 'brain.js';
import { makeBatch, type Workload } from '../workloads.js';
import { argmax, type Runner } from './runner.js';

interface Equation {
  runIndex(i: number): { weights: Float32Array };
}
interface Internals {
  model: { equations: Equation[] };
  bindEquation(): void;
  trainPattern(input: unknown, logErrorRate?: boolean): number;
  run(input: unknown): unknown;
  formatData(data: unknown[]): unknown[];
  train(data: unknown[], opts: { iterations: number }): unknown;
  initialize(): void;
}

export async function brainRunner(w: Workload): Promise<Runner> {
  const { batch: B, steps: T, features: D, units: H } = w;
  const data = makeBatch(w);
  const notes: string[] = [];

  if (w.oneHot) {
    const chars = Array.from({ length: D - 1 }, (_, i) => String.fromCharCode(48 + i));
    const dataFormatter = new brain.utilities.DataFormatter(chars);
    const net = new brain.recurrent.LSTM({ hiddenLayers: [H], dataFormatter }) as unknown as Internals;
    net.initialize();
    const seqs = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, t) => argmax(data.x.subarray((b * T + t) * D, (b * T + t + 1) * D))),
    );
    /** Forward over one sequence the way trainInput / run step through it. */
    const forward = (seq: number[]) => {
      const eqs = net.model.equations;
      while (eqs.length <= seq.length + 1) net.bindEquation();
      let out: Float32Array | undefined;
      for (let i = -1; i < seq.length; i++) out = eqs[i + 1].runIndex(i < 0 ? 0 : seq[i] + 1).weights;
      return out;
    };
    const generator = () => {
      let i = 0;
      let prev = 0;
      return () => {
        const eqs = net.model.equations;
        while (eqs.length <= i) net.bindEquation();
        const logits = eqs[i].runIndex(prev).weights;
        // run(): softmax of the output row, then the most likely index.
        let mx = -Infinity;
        for (const v of logits) if (v > mx) mx = v;
        const p = new Float32Array(logits.length);
        let s = 0;
        for (let k = 0; k < p.length; k++) s += p[k] = Math.exp(logits[k] - mx);
        for (let k = 0; k < p.length; k++) p[k] /= s;
        prev = argmax(p);
        i++;
      };
    };
    notes.push(
      'brain.js LSTM: per-sequence updates, each sequence is T+1 steps (start token); its "loss" is its own error measure (log2 perplexity / 100), not comparable',
    );
    return {
      unit: 'sequence',
      trainStep: (i) => net.trainPattern(seqs[i % B], true),
      predictBatch: () => seqs.forEach(forward),
      predictOne: () => forward(seqs[0]),
      generator,
      notes,
    };
  }

  const Net =
    w.cell === 'lstm' ? brain.recurrent.LSTMTimeStep : w.cell === 'gru' ? brain.recurrent.GRUTimeStep : brain.recurrent.RNNTimeStep;
  const net = new Net({ inputSize: D, hiddenLayers: [H], outputSize: D }) as unknown as Internals;
  const seqs = Array.from({ length: B }, (_, b) =>
    D === 1
      ? Array.from(data.x.subarray(b * T, (b + 1) * T))
      : Array.from({ length: T }, (_, t) => Array.from(data.x.subarray((b * T + t) * D, (b * T + t + 1) * D))),
  );
  net.train([seqs[0]], { iterations: 1 }); // initialises the model and binds the equations
  const formatted = net.formatData(seqs);
  notes.push(
    `brain.js ${w.cell === 'simpleRnn' ? 'RNN (ReLU)' : w.cell.toUpperCase()}TimeStep: predicts the next ${D}-vector at every step; its "loss" is its own error measure, not comparable`,
  );
  return {
    unit: 'sequence',
    trainStep: (i) => net.trainPattern(formatted[i % B], true),
    predictBatch: () => seqs.forEach((s) => net.run(s)),
    predictOne: () => net.run(seqs[0]),
    notes,
  };
}
