/**
 * The vanishing gradient, measured: how much of the loss's gradient reaches the hidden state at
 * each step of a long sequence, for a SimpleRNN and an LSTM of the same size (the argument for
 * LSTM/GRU in the seed tutorial). The loss looks only at the last output, so every earlier step
 * learns only through what flows back through time.
 *
 * An untrained LSTM forgets too: its cell carries the gradient back scaled by the forget gate
 * at every step (Keras's unitForgetBias starts it near sigmoid(1) = 0.73). What the LSTM has
 * and the SimpleRNN lacks is that path: with the forget gate open (bias 5, f = 0.99), as
 * training makes it when the task needs memory, the gradient reaches the first step undiminished.
 *
 *   pnpm --filter @recurrent/models example:vanishing
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { GATE_ORDER } from '@recurrent/core';
import { inspect, layers, sequential } from '../src/index.js';

const [N, T, D, H] = [16, 100, 1, 16];
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
// Task: remember the first input to the end of the sequence.
const x = Array.from({ length: N }, () => Array.from({ length: T }, () => [rand()]));
const y = x.map((s) => [s[0][0]]);

const kinds = { SimpleRNN: 'simpleRNN', LSTM: 'lstm', 'LSTM f=0.99': 'lstm' } as const;
const columns: Record<string, number[]> = {};
for (const [label, kind] of Object.entries(kinds)) {
  const model = sequential({ backend: createCpuBackend(), seed: 1 }, [layers[kind]({ units: H, inputShape: [null, D] }), layers.dense({ units: 1 })]);
  model.compile({ loss: 'mse', optimizer: 'adam' });
  if (label === 'LSTM f=0.99') {
    // Open the forget gate: its block of the bias (gate order i, f, g, o) set to 5.
    const weights = await model.getWeights();
    const bias = weights.find((w) => w.name.endsWith('/bias') && w.shape[0] === 4 * H)!;
    bias.data.fill(5, GATE_ORDER.lstm.indexOf('f') * H, (GATE_ORDER.lstm.indexOf('f') + 1) * H);
    model.setWeights(weights);
  }
  const { layers: [rnn] } = await inspect(model, x, y, { states: false, gates: false });
  // Mean over examples of |d loss / d h_t|, relative to the last step.
  const mean = (t: number) => rnn.gradNorm!.reduce((s, row) => s + row[t]!, 0) / N;
  columns[label] = Array.from({ length: T }, (_, t) => mean(t) / mean(T - 1));
  model.dispose();
}

console.log(`|d loss / d h_t| relative to the last step, mean over ${N} sequences of ${T} steps (untrained, ${H} units)\n`);
const row = (cells: string[]) => console.log(cells.map((c) => c.padStart(13)).join(''));
row(['step', ...Object.keys(columns)]);
for (const t of [...Array.from({ length: 10 }, (_, k) => T - 1 - 10 * k), 0]) row([String(t), ...Object.values(columns).map((c) => c[t].toExponential(2))]);
