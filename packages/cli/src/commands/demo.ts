/**
 * `recurrent demo` (`pnpm demo`): trains a small recurrent classifier on the CPU backend and
 * prints the loss falling, epoch by epoch, with a progress bar on a terminal.
 */
import { ConfigError, type CellKind } from '@recurrent/core';
import { UsageError } from '../args.js';
import { backendEntry, backendList, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { DEMO_DEFAULTS, runDemo } from '../demo.js';

const CELLS: Record<string, CellKind> = { simpleRnn: 'simpleRnn', simplernn: 'simpleRnn', rnn: 'simpleRnn', lstm: 'lstm', gru: 'gru' };
const d = DEMO_DEFAULTS;

const bar = (done: number, total: number, width = 24) => {
  const n = Math.round((done / total) * width);
  return `[${'='.repeat(n)}${n < width ? '>' : ''}${' '.repeat(Math.max(0, width - n - 1))}]`;
};

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'train a small recurrent classifier (sum-sign sequences) and print the loss falling',
  usage: 'recurrent demo [--backend cpu] [--cell simpleRnn|lstm|gru] [--units N] [--epochs N] ...',
  flags: {
    backend: backendFlag('to train on'),
    cell: { type: 'string', value: 'CELL', default: d.cell, description: 'simpleRnn, lstm or gru' },
    units: { type: 'number', value: 'N', default: d.units, description: 'hidden units' },
    steps: { type: 'number', value: 'T', default: d.steps, description: 'sequence length' },
    samples: { type: 'number', value: 'N', default: d.samples, description: 'sequences generated (a fifth held out)' },
    epochs: { type: 'number', value: 'N', default: d.epochs, description: 'passes over the training set' },
    'batch-size': { type: 'number', value: 'N', default: d.batchSize, description: 'sequences per step' },
    lr: { type: 'number', value: 'RATE', default: d.learningRate, description: 'Adam learning rate' },
    seed: { type: 'number', value: 'N', default: d.seed, description: 'seed of data, weights and shuffling' },
  },
  details: [
    'The task: each sequence is T numbers drawn from [-1, 1]; the label says whether their sum',
    'is positive. The model is <cell>(units) -> Dense(1) -> sigmoid, trained with binary',
    'cross-entropy and Adam; chance accuracy is 50%.',
    '',
    'Backends:',
    backendList(),
  ].join('\n'),
  async run({ flags }, io) {
    const cell = CELLS[flags.cell];
    if (!cell) throw new UsageError(`unknown cell '${flags.cell}': use simpleRnn, lstm or gru.`, 'demo');
    const ints = { units: flags.units, steps: flags.steps, samples: flags.samples, epochs: flags.epochs, 'batch-size': flags['batch-size'] };
    for (const [k, v] of Object.entries(ints))
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k} must be a positive integer, got ${v}.`, 'demo');
    if (!(flags.lr > 0)) throw new UsageError(`--lr must be positive, got ${flags.lr}.`, 'demo');
    if (flags.samples < 2 * flags['batch-size'])
      throw new ConfigError(`--samples ${flags.samples} is too few for --batch-size ${flags['batch-size']}: use at least twice the batch size.`);
    const backend = await backendEntry(flags.backend, 'demo').create();
    const o = {
      cell,
      units: flags.units,
      steps: flags.steps,
      samples: flags.samples,
      epochs: flags.epochs,
      batchSize: flags['batch-size'],
      learningRate: flags.lr,
      seed: flags.seed,
    };
    io.out(
      `Training ${cell}(${o.units}) -> Dense(1) on ${o.samples} sum-sign sequences of ${o.steps} steps ` +
        `(backend ${backend.name}, batch ${o.batchSize}, Adam lr ${o.learningRate}, seed ${o.seed})`,
    );
    const fmt = (v: number) => v.toFixed(4);
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    let started = false;
    const report = await runDemo(
      backend,
      o,
      (r) => {
        io.progress?.('');
        io.out(
          `epoch ${String(r.epoch).padStart(2)}/${o.epochs}  loss ${fmt(r.loss)}  acc ${pct(r.accuracy)}  ` +
            `val_loss ${fmt(r.valLoss)}  val_acc ${pct(r.valAccuracy)}  ${Math.round(r.ms)} ms`,
        );
      },
      (epoch, batch, batches, loss) => {
        if (!started) started = true;
        io.progress?.(`epoch ${epoch}/${o.epochs} ${bar(batch, batches)} ${batch}/${batches}  loss ${fmt(loss)}`);
      },
    );
    io.progress?.('');
    const first = report.initialValLoss;
    const last = report.epochs[report.epochs.length - 1];
    io.out(
      `validation loss ${fmt(first)} (untrained) -> ${fmt(last.valLoss)}; accuracy ${pct(last.valAccuracy)} (chance 50%); ` +
        `${(report.ms / 1000).toFixed(1)} s in all`,
    );
    return 0;
  },
});
