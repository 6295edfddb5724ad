/**
 * What the examples share: their settings, the result they report (a held-out number beside a
 * naive baseline), training with a progress bar, and saving / loading a model together with
 * what the example needs to use it again (vocabulary, scaler, window) as `example.json` in the
 * model directory.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Backend, type CellKind, InputError, quote, RecurrentError } from '@recurrent/core';
import { earlyStopping, type LayersModel, io as modelIo, layers, loadModel, ModelFormatError, type Sequential } from '@recurrent/models';
import type { Io } from '../cli.js';

export type ExampleName = 'names' | 'weather' | 'stocks' | 'generate' | 'digits' | 'stress' | 'g2p';

export interface TrainSettings {
  backend: Backend;
  cell: CellKind;
  units: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Use at most this many examples in all (quick runs and tests). */
  limit?: number;
  /** Steps in an input window (forecasting examples). */
  window: number;
  /** Stock symbol, or 'all' (stocks example). */
  symbol: string;
}

/** The per-example defaults of the flags. */
export type ExampleDefaults = Pick<TrainSettings, 'cell' | 'units' | 'epochs' | 'batchSize' | 'learningRate' | 'window'>;

/** A held-out number and the naive baseline it is measured against. */
export interface Score {
  /** e.g. 'test accuracy', 'test MAE'. */
  name: string;
  value: number;
  baseline: number;
  /** e.g. 'majority class (female)'. */
  baselineName: string;
  /** Higher is better for a fraction such as accuracy (the line then shows the difference in points); lower for an error or a loss. */
  higherIsBetter: boolean;
  format(v: number): string;
}

/** What an example saves beside its model, to use it again. */
export interface ExampleMeta {
  format: 'recurrent-example/1';
  example: ExampleName;
  [key: string]: unknown;
}

export interface Trained {
  /** A sequential model, or a functional one (g2p). */
  model: LayersModel;
  score: Score;
  meta: ExampleMeta;
  /** The one-line description of what was trained. */
  title: string;
  /** More lines to print after the score (another baseline, say). */
  notes?: string[];
}

export interface UseOptions {
  /** Words from the command line: names to classify, or CSV files to forecast from. */
  inputs: string[];
  count: number;
  temperature: number;
  seed: number;
}

export interface Example {
  name: ExampleName;
  summary: string;
  defaults: ExampleDefaults;
  /** Checks the settings before anything runs (a UsageError for a bad flag value). */
  check?(s: TrainSettings): void;
  /** Trains and scores on held-out data; `io` gets the progress and per-epoch lines. */
  train(s: TrainSettings, io: Io): Promise<Trained>;
  /** Uses a (re)loaded model: classifies names, forecasts, or generates; prints the results. */
  use(model: LayersModel, meta: ExampleMeta, opts: UseOptions, io: Io): Promise<void>;
  /**
   * Checks the example's fields of an example.json read from disk (an InputError naming the
   * field), so `use` never meets a missing or malformed one.
   */
  checkMeta(meta: ExampleMeta, file: string): void;
}

/** Field checks for `checkMeta`: each throws an InputError naming the file and the field. */
export const metaField = {
  fail(file: string, key: string, what: string, got: unknown): never {
    throw new InputError(
      `${file}: '${key}' must be ${what}, got ${quote(got)}. The file was edited or belongs to another example; train the model again with recurrent train.`,
    );
  },
  positiveInt(meta: ExampleMeta, key: string, file: string): number {
    const v = Object.hasOwn(meta, key) ? meta[key] : undefined;
    if (!Number.isSafeInteger(v) || (v as number) < 1) metaField.fail(file, key, 'a positive integer', v);
    return v as number;
  },
  strings(meta: ExampleMeta, key: string, file: string): string[] {
    const v = Object.hasOwn(meta, key) ? meta[key] : undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) metaField.fail(file, key, 'a list of strings', v);
    return v as string[];
  },
  /** A state object (vocabulary, scaler) checked by its own fromJSON. */
  state<T>(meta: ExampleMeta, key: string, file: string, fromJSON: (state: never) => T): T {
    const v = Object.hasOwn(meta, key) ? meta[key] : undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) metaField.fail(file, key, 'an object', v);
    try {
      return fromJSON(v as never);
    } catch (err) {
      if (err instanceof RecurrentError) throw new InputError(`${file}: '${key}': ${err.message}`);
      throw err;
    }
  },
};

export const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** At most `limit * fraction` (at least 1) of `items`, or all without a limit. */
export const limited = <T>(items: T[], limit: number | undefined, fraction: number): T[] =>
  limit === undefined ? items : items.slice(0, Math.max(1, Math.round(limit * fraction)));

/** The training and validation items of a run: `limit` (else `defaultSize`) training items, an eighth as many for validation. */
export function trainingParts<T>(all: { train: T[]; validation: T[] }, limit: number | undefined, defaultSize: number): { train: T[]; val: T[] } {
  const n = limit ?? defaultSize;
  return { train: limited(all.train, n, 1), val: limited(all.validation, n, 0.125) };
}

const bar = (done: number, total: number, width = 24): string => {
  const n = Math.min(width, Math.round((done / Math.max(1, total)) * width));
  return `[${'='.repeat(n)}${n < width ? '>' : ''}${' '.repeat(Math.max(0, width - n - 1))}]`;
};

export const seconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

const fmtLogs = (logs: Record<string, number | undefined>): string =>
  Object.entries(logs)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
    .join('  ');

/**
 * fit() callbacks that draw a progress bar (batch, the epoch's running mean loss, ETA) on the
 * terminal line and print one line per epoch.
 */
export function progressCallbacks(io: Io, epochs: number, batchesPerEpoch: number) {
  const start = performance.now();
  let epochStart = start;
  let epoch = 0;
  let done = 0;
  let lossSum = 0;
  let rows = 0;
  return {
    onEpochBegin(e: number) {
      epoch = e;
      epochStart = performance.now();
      lossSum = 0;
      rows = 0;
    },
    onBatchEnd(batch: number, logs: Record<string, number | undefined> = {}) {
      done++;
      const size = logs.size ?? 1;
      lossSum += (logs.loss ?? 0) * size;
      rows += size;
      const eta = ((performance.now() - start) / done) * (epochs * batchesPerEpoch - done);
      io.progress?.(
        `epoch ${epoch + 1}/${epochs} ${bar(batch + 1, batchesPerEpoch)} ${batch + 1}/${batchesPerEpoch}  loss ${(lossSum / rows).toFixed(4)}  ETA ${seconds(eta)}`,
      );
    },
    onEpochEnd(e: number, logs: Record<string, number | undefined> = {}) {
      io.progress?.('');
      io.out(`epoch ${String(e + 1).padStart(String(epochs).length)}/${epochs}  ${fmtLogs(logs)}  ${seconds(performance.now() - epochStart)}`);
    },
  };
}

/**
 * The score as one line: `test accuracy 83.5% vs majority class (female) 56.6%: +26.9 points`,
 * `test MAE 2.06 °C vs persistence 2.25 °C: 8.5% lower`.
 */
export function formatScore(s: Score): string {
  const head = `${s.name} ${s.format(s.value)} vs ${s.baselineName} ${s.format(s.baseline)}`;
  if (s.higherIsBetter) {
    const d = 100 * (s.value - s.baseline);
    return `${head}: ${d >= 0 ? '+' : ''}${d.toFixed(1)} points`;
  }
  const rel = s.baseline !== 0 ? (100 * (s.value - s.baseline)) / Math.abs(s.baseline) : 0;
  return `${head}: ${Math.abs(rel).toFixed(1)}% ${rel <= 0 ? 'lower' : 'higher'}`;
}

export const META_FILE = 'example.json';

/** Saves the model into `dir`, then `example.json` beside it (written to a temp file, then renamed). */
export async function saveTrained(model: LayersModel, meta: ExampleMeta, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(dir);
  const tmp = join(dir, `${META_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
  renameSync(tmp, join(dir, META_FILE));
}

/** The text of a file named on the command line; an InputError if it cannot be read. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

/** Largest example.json read (bytes): real ones are under 100 kB; the file is untrusted input. */
const MAX_META_BYTES = modelIo.DEFAULT_MAX_JSON_BYTES;

/** The `recurrent-example/1` header of `dir`'s example.json; the example checks its own fields. */
export function readExampleMeta(dir: string, known: readonly string[]): { meta: ExampleMeta; file: string } {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_META_BYTES) throw new InputError(`${file}: ${size} bytes, more than the ${MAX_META_BYTES}-byte limit; it is not an example.json.`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); --model must be a directory written by 'recurrent train'.`);
  }
  let meta: ExampleMeta;
  try {
    meta = JSON.parse(text) as ExampleMeta;
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${quote((e as Error).message, 120)}).`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || meta.format !== 'recurrent-example/1')
    throw new InputError(`${file}: not a recurrent-example/1 file (format ${quote((meta as { format?: unknown } | null)?.format)}).`);
  if (typeof meta.example !== 'string' || !known.includes(meta.example))
    throw new InputError(`${file}: unknown example ${quote(meta.example)} (known: ${known.join(', ')}); the file was edited or comes from a newer version.`);
  return { meta, file };
}

/**
 * The model in `dir`. With `weightsOnlyOk` (inference), a model whose optimizer state is missing
 * or damaged is loaded without it, and `warn` says that training cannot resume from it.
 */
export async function loadSavedModel(dir: string, backend: Backend, weightsOnlyOk?: { warn: (line: string) => void }): Promise<LayersModel> {
  try {
    return await loadModel(dir, { backend });
  } catch (err) {
    if (!weightsOnlyOk || !(err instanceof ModelFormatError)) throw err;
    let model: LayersModel;
    try {
      model = await loadModel(dir, { backend, includeOptimizer: false });
    } catch {
      throw err;
    }
    weightsOnlyOk.warn(
      `warning: ${err.message} Loaded the weights only: predictions are not affected, but training cannot resume from this model.`,
    );
    return model;
  }
}

type FitX = Parameters<LayersModel['fit']>[0];
type FitY = Parameters<LayersModel['fit']>[1];

/** Epochs without a better validation loss before training stops (the best epoch's weights are kept). */
export const PATIENCE = 5;

/**
 * model.fit with the progress bar, shuffled by the model's seeded RNG, scored on `validation`
 * each epoch; stops after PATIENCE epochs without a lower validation loss and keeps the weights
 * of the best epoch (Keras EarlyStopping with restoreBestWeights).
 */
export async function fitWithProgress(model: LayersModel, x: FitX, y: FitY, validation: [FitX, FitY], s: TrainSettings, io: Io) {
  // x is { data, shape }, or one such per input of a functional model.
  const first = (Array.isArray(x) ? x[0] : x) as { shape: number[] };
  const batches = Math.ceil(first.shape[0] / s.batchSize);
  const stop = earlyStopping({ monitor: 'val_loss', patience: PATIENCE, restoreBestWeights: true });
  const history = await model.fit(x, y, {
    epochs: s.epochs,
    batchSize: s.batchSize,
    shuffle: true,
    validationData: validation,
    callbacks: [progressCallbacks(io, s.epochs, batches), stop],
    verbose: 0,
  });
  const ran = history.epoch.length;
  if (stop.stoppedEpoch >= 0) io.out(`stopped after epoch ${stop.stoppedEpoch + 1}: no lower val_loss for ${PATIENCE} epochs`);
  if (stop.bestEpoch >= 0 && stop.bestEpoch !== history.epoch[ran - 1])
    io.out(`kept the weights of epoch ${stop.bestEpoch + 1} (lowest val_loss ${stop.best.toFixed(4)})`);
  return history;
}

/** The model's outputs for `x`, as one flat array (row-major). */
export async function predictFlat(model: Sequential, x: Parameters<Sequential['predict']>[0]): Promise<Float32Array | Float64Array> {
  const out = await model.predict(x);
  return out.data;
}

/** The recurrent layer --cell asks for. */
export function buildRecurrent(cell: TrainSettings['cell'], units: number, inputShape: (number | null)[], extra: Record<string, unknown> = {}) {
  const o = { units, inputShape, ...extra };
  return cell === 'lstm' ? layers.lstm(o) : cell === 'gru' ? layers.gru(o) : layers.simpleRNN(o);
}

export const cellTitle = (cell: TrainSettings['cell']): string => (cell === 'lstm' ? 'LSTM' : cell === 'gru' ? 'GRU' : 'SimpleRNN');
