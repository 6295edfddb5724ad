/**
 * `recurrent train`: trains one of the examples on its real dataset, reports the held-out score
 * beside a naive baseline, saves the model, reloads it from disk and uses it (classifies the
 * names given on the command line, forecasts, or samples names), and prints the run time.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CellKind } from '@recurrent/core';
import { UsageError } from '../args.js';
import { backendEntry, backendList, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { EXAMPLES, type ExampleName, formatScore, loadTrained, META_FILE, saveTrained, type TrainSettings } from '../examples/index.js';
import { seconds } from '../examples/runner.js';

export const CELLS: Readonly<Record<string, CellKind>> = { simpleRnn: 'simpleRnn', simplernn: 'simpleRnn', rnn: 'simpleRnn', lstm: 'lstm', gru: 'gru' };

const exampleNames = Object.keys(EXAMPLES) as ExampleName[];

/** A flag that must be a positive integer, if given. */
export function positiveInt(value: number | undefined, flag: string, command: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new UsageError(`--${flag} must be a positive integer, got ${value}.`, command);
}

const defaultsTable = (): string =>
  exampleNames
    .map((n) => {
      const d = EXAMPLES[n].defaults;
      const win = d.window ? `, window ${d.window}` : '';
      return `  ${n.padEnd(9)} ${EXAMPLES[n].summary}\n  ${''.padEnd(9)} defaults: ${d.cell}, ${d.units} units, ${d.epochs} epochs, batch ${d.batchSize}, lr ${d.learningRate}${win}`;
    })
    .join('\n');

/**
 * Checks --out before any training: it must be (or be creatable as) a directory, and a model of
 * another kind in it is replaced only with --force. Retraining the same example replaces it.
 */
export function checkOut(out: string, example: string, force: boolean): void {
  const cmd = 'train';
  let p = resolve(out);
  // The nearest existing path at or above --out must be a directory.
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch (e) {
    throw new UsageError(`--out ${out}: cannot check ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, cmd);
  }
  if (!isDir)
    throw new UsageError(p === resolve(out) ? `--out ${out} is a file, not a directory; choose another --out.` : `--out ${out}: ${p} is a file, so the directory cannot be created.`, cmd);
  if (p !== resolve(out) || force) return;
  const files = readdirSync(p);
  if (!files.includes('model.json') && !files.includes(META_FILE)) return;
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSyncSmall(join(p, META_FILE))) as { example?: unknown }).example;
  } catch {
    kind = undefined;
  }
  if (kind === example) return;
  const what = typeof kind === 'string' ? `a '${kind.slice(0, 40)}' model` : "a model not written by 'recurrent train'";
  throw new UsageError(`--out ${out} holds ${what}; add --force to replace it with the '${example}' model, or choose another --out.`, cmd);
}

/** A small file's text ('' when it is missing or larger than 1 MiB). */
function readFileSyncSmall(file: string): string {
  try {
    return statSync(file).size > 2 ** 20 ? '' : readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train an example model on real data, report it against a naive baseline, save and reload it',
  usage: `recurrent train [--example ${exampleNames.join('|')}] [--cell simpleRnn|lstm|gru] [--units N] [--epochs N] [--out DIR] [NAME|FILE ...]`,
  positionals: true,
  flags: {
    example: { type: 'string', value: 'NAME', default: 'names', description: `the example: ${exampleNames.join(', ')}` },
    backend: backendFlag('to train on'),
    cell: { type: 'string', value: 'CELL', description: "simpleRnn, lstm or gru (default: the example's)" },
    units: { type: 'number', value: 'N', description: "hidden units (default: the example's)" },
    epochs: { type: 'number', value: 'N', description: "passes over the training data (default: the example's)" },
    'batch-size': { type: 'number', value: 'N', description: "samples per training step (default: the example's)" },
    lr: { type: 'number', value: 'RATE', description: "Adam learning rate (default: the example's)" },
    seed: { type: 'number', value: 'N', default: 42, description: 'seed of the weights and the shuffling (the data split is fixed)' },
    out: { type: 'string', value: 'DIR', description: 'where to save the model (default: models/<example>); checked before training' },
    force: { type: 'boolean', description: 'replace a model of another example (or not written by recurrent train) in --out' },
    window: { type: 'number', value: 'N', description: "weather, stocks: steps in an input window (default: the example's)" },
    symbol: { type: 'string', value: 'SYM', default: 'all', description: 'stocks: AAPL, AMZN, GOOG, IBM, MSFT or all' },
    limit: { type: 'number', value: 'N', description: 'use about N training samples (quick runs and tests)' },
  },
  details: [
    'Examples:',
    defaultsTable(),
    '',
    'After training, the model is saved to --out, loaded back from disk and used: the names',
    'example classifies the NAMEs given after the flags (or a few defaults), the forecasting',
    'examples forecast from the FILEs given (CSV, same columns as the dataset) or from the end of',
    'the dataset, generate samples ten names, digits draws a few test images with the digit it',
    'reads, stress marks the stressed vowel of the WORDs given (or a few defaults), and g2p',
    'pronounces them.',
    '',
    'Backends:',
    backendList(),
    '',
    'Example:',
    '  recurrent train --example names Alice Bob Jordan',
  ].join('\n'),
  async run({ flags, positionals }, io) {
    const started = performance.now();
    const cmd = 'train';
    if (!Object.hasOwn(EXAMPLES, flags.example)) throw new UsageError(`unknown example '${flags.example}'. Examples: ${exampleNames.join(', ')}.`, cmd);
    const example = EXAMPLES[flags.example as ExampleName];
    const d = example.defaults;
    const cell = flags.cell === undefined ? d.cell : CELLS[flags.cell];
    if (!cell) throw new UsageError(`unknown cell '${flags.cell}': use simpleRnn, lstm or gru.`, cmd);
    for (const k of ['units', 'epochs', 'batch-size', 'limit', 'window'] as const) positiveInt(flags[k], k, cmd);
    if (!Number.isSafeInteger(flags.seed)) throw new UsageError(`--seed must be an integer, got ${flags.seed}.`, cmd);
    if (flags.lr !== undefined && !(flags.lr > 0)) throw new UsageError(`--lr must be positive, got ${flags.lr}.`, cmd);
    if (flags.window !== undefined && !d.window) throw new UsageError(`--window applies to the weather and stocks examples, not '${example.name}'.`, cmd);
    if (flags.symbol !== 'all' && example.name !== 'stocks') throw new UsageError(`--symbol applies to the stocks example, not '${example.name}'.`, cmd);
    const backend = await backendEntry(flags.backend, cmd).create();
    const s: TrainSettings = {
      backend,
      cell,
      units: flags.units ?? d.units,
      epochs: flags.epochs ?? d.epochs,
      batchSize: flags['batch-size'] ?? d.batchSize,
      learningRate: flags.lr ?? d.learningRate,
      seed: flags.seed,
      limit: flags.limit,
      window: flags.window ?? d.window,
      symbol: flags.symbol,
    };
    example.check?.(s);
    const out = flags.out ?? join('models', example.name);
    checkOut(out, example.name, flags.force === true);
    io.out(
      `recurrent train --example ${example.name}: ${cell}(${s.units}), ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, batch ${s.batchSize}, Adam lr ${s.learningRate}, ` +
        `seed ${s.seed}, backend ${backend.name}${s.limit ? `, limit ${s.limit}` : ''}`,
    );
    const t0 = performance.now();
    const trained = await example.train(s, io);
    const trainMs = performance.now() - t0;
    io.out(trained.title);
    io.out(formatScore(trained.score));
    for (const line of trained.notes ?? []) io.out(line);
    await saveTrained(trained.model, trained.meta, out);
    trained.model.dispose?.();
    io.out(`saved to ${out}`);
    const { model, meta } = await loadTrained(out, backend);
    io.out(`reloaded from ${out}:`);
    await example.use(model, meta, { inputs: positionals, count: 10, temperature: 0.8, seed: s.seed }, io);
    model.dispose?.();
    io.out(`run time ${seconds(performance.now() - started)} (training ${seconds(trainMs)})`);
    return 0;
  },
});
