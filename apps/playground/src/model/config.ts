/**
 * The playground's configuration: what the controls set, its defaults and limits, and its form
 * in a shareable URL (`?task=adding&cell=lstm&units=32...`).
 *
 * Model settings (task, cell, units, layers, sequence length, seed) define the network: changing
 * one builds a new model. Training settings (optimizer, learning rate, batch size, clipping) apply
 * to the running model from the next step on.
 */
import type { CellKind } from '@recurrent/core';
import { G2P_MAX_LETTERS } from '../tasks/g2p.js';

export type TaskId = 'names' | 'generate' | 'weather' | 'adding' | 'digits' | 'g2p';
export type OptimizerName = 'adam' | 'adamw' | 'rmsprop' | 'sgd' | 'adagrad';
export type BackendId = 'cpu' | 'webgl' | 'webgpu' | 'gpujs';

export interface ModelConfig {
  task: TaskId;
  cell: CellKind;
  units: number;
  layers: number;
  /** Steps per sequence: the longest name kept, the days in a weather window, the adding problem's T, a digit's 28 rows, a g2p word's letters. */
  seqLen: number;
  seed: number;
}

export interface TrainConfig {
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  /** Global gradient-norm clip; 0 = off. */
  clipNorm: number;
}

export interface PlaygroundConfig extends ModelConfig, TrainConfig {
  backend: BackendId;
}

export const TASK_IDS: readonly TaskId[] = ['names', 'generate', 'weather', 'adding', 'digits', 'g2p'];
export const CELL_KINDS: readonly CellKind[] = ['simpleRnn', 'lstm', 'gru'];
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'rmsprop', 'sgd', 'adagrad'];
export const BACKEND_IDS: readonly BackendId[] = ['cpu', 'webgl', 'webgpu', 'gpujs'];

/** Sequence-length range and default per task. */
export const SEQ_LEN: Record<TaskId, { min: number; max: number; value: number; label: string }> = {
  names: { min: 4, max: 15, value: 12, label: 'longest name (characters)' },
  generate: { min: 4, max: 15, value: 12, label: 'longest name (characters)' },
  weather: { min: 3, max: 60, value: 14, label: 'days of history' },
  adding: { min: 5, max: 200, value: 30, label: 'sequence length T' },
  digits: { min: 28, max: 28, value: 28, label: 'rows read (28 × 28 images)' },
  g2p: { min: G2P_MAX_LETTERS, max: G2P_MAX_LETTERS, value: G2P_MAX_LETTERS, label: 'longest word (letters)' },
};

/** Tasks whose model is the library's encoder-decoder (one encoder and one decoder layer: the layers control does not apply). */
export const SEQ2SEQ_TASKS: readonly TaskId[] = ['g2p'];

export const LIMITS = {
  units: { min: 2, max: 128 },
  layers: { min: 1, max: 3 },
  batchSize: { min: 1, max: 256 },
  learningRate: { min: 1e-5, max: 1 },
  clipNorm: { min: 0, max: 100 },
  seed: { min: 0, max: 2 ** 31 - 1 },
} as const;

export const DEFAULT_CONFIG: PlaygroundConfig = {
  task: 'names',
  cell: 'lstm',
  units: 32,
  layers: 1,
  seqLen: SEQ_LEN.names.value,
  seed: 1,
  optimizer: 'adam',
  learningRate: 0.01,
  batchSize: 32,
  clipNorm: 1,
  backend: 'cpu',
};

export function modelPart(c: PlaygroundConfig): ModelConfig {
  return { task: c.task, cell: c.cell, units: c.units, layers: c.layers, seqLen: c.seqLen, seed: c.seed };
}

export function trainPart(c: PlaygroundConfig): TrainConfig {
  return { optimizer: c.optimizer, learningRate: c.learningRate, batchSize: c.batchSize, clipNorm: c.clipNorm };
}

const URL_KEYS: Record<keyof PlaygroundConfig, string> = {
  task: 'task',
  cell: 'cell',
  units: 'units',
  layers: 'layers',
  seqLen: 'seq',
  seed: 'seed',
  optimizer: 'opt',
  learningRate: 'lr',
  batchSize: 'batch',
  clipNorm: 'clip',
  backend: 'backend',
};

/** The configuration as URL query parameters. */
export function configToQuery(c: PlaygroundConfig): string {
  const q = new URLSearchParams();
  for (const [k, key] of Object.entries(URL_KEYS)) q.set(key, String(c[k as keyof PlaygroundConfig]));
  return q.toString();
}

/**
 * Reads a configuration from URL query parameters. Unknown or out-of-range values fall back to
 * the defaults, and each one is reported so the page can say what it ignored.
 */
export function configFromQuery(query: string): { config: PlaygroundConfig; problems: string[] } {
  const q = new URLSearchParams(query);
  const problems: string[] = [];
  const c: PlaygroundConfig = { ...DEFAULT_CONFIG };
  const pick = <T extends string>(key: string, allowed: readonly T[], set: (v: T) => void) => {
    const v = q.get(key);
    if (v === null) return;
    if ((allowed as readonly string[]).includes(v)) set(v as T);
    else problems.push(`${key}=${v} is not one of ${allowed.join(', ')}`);
  };
  const num = (key: string, lo: number, hi: number, int: boolean, set: (v: number) => void) => {
    const raw = q.get(key);
    if (raw === null) return;
    const v = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(v) && v >= lo && v <= hi && (!int || Number.isInteger(v))) set(v);
    else problems.push(`${key}=${raw} is not ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}]`);
  };
  pick(URL_KEYS.task, TASK_IDS, (v) => {
    c.task = v;
    c.seqLen = SEQ_LEN[v].value;
  });
  pick(URL_KEYS.cell, CELL_KINDS, (v) => (c.cell = v));
  pick(URL_KEYS.optimizer, OPTIMIZERS, (v) => (c.optimizer = v));
  pick(URL_KEYS.backend, BACKEND_IDS, (v) => (c.backend = v));
  num(URL_KEYS.units, LIMITS.units.min, LIMITS.units.max, true, (v) => (c.units = v));
  num(URL_KEYS.layers, LIMITS.layers.min, LIMITS.layers.max, true, (v) => (c.layers = v));
  const s = SEQ_LEN[c.task];
  num(URL_KEYS.seqLen, s.min, s.max, true, (v) => (c.seqLen = v));
  num(URL_KEYS.seed, LIMITS.seed.min, LIMITS.seed.max, true, (v) => (c.seed = v));
  num(URL_KEYS.learningRate, LIMITS.learningRate.min, LIMITS.learningRate.max, false, (v) => (c.learningRate = v));
  num(URL_KEYS.batchSize, LIMITS.batchSize.min, LIMITS.batchSize.max, true, (v) => (c.batchSize = v));
  num(URL_KEYS.clipNorm, LIMITS.clipNorm.min, LIMITS.clipNorm.max, false, (v) => (c.clipNorm = v));
  return { config: c, problems };
}
