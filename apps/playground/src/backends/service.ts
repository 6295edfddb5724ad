/**
 * The operations a host offers on its run. The same object serves the CPU worker (behind
 * postMessage) and GPU backends on the page (called directly, yielding between steps).
 *
 * A new or loaded run replaces the current one only once it is complete: a failed load leaves the
 * current model, its step and its optimizer as they were.
 */
import type { Backend, Engine } from '@recurrent/core';
import type { ModelConfig, TaskId, TrainConfig } from '../model/config.js';
import { loadRun, type PickedFile, type PlaygroundMeta, saveRun } from '../model/file.js';
import { type DigitPrediction, type Forecast, type G2pScores, type Inspection, type Pronunciation, Run, type StepResult } from '../model/run.js';
import type { PackedDigits } from '../tasks/digits.js';
import type { RawData } from '../tasks/index.js';
import type { Point } from '../ui/history.js';

export interface RunInfo {
  step: number;
  title: string;
  blurb: string;
  model: ModelConfig;
  train: TrainConfig;
  /** The recurrent layers the views show, by name ('layer 1', or the g2p encoder and decoder). */
  layerNames: string[];
}

/** Data the page and the worker fetch only when a task needs it (src/data/raw.ts). */
export interface LazyData {
  digits(): Promise<PackedDigits>;
  g2p(): Promise<string>;
}

export interface LoadedInfo extends RunInfo {
  source: string;
  history: Point[];
  /** The generation task's own words from the file (undefined: the name lists). */
  words?: string[];
  /** A library model without a playground part: its task was inferred from its inputs and head. */
  inferred: boolean;
}

export class TrainerService {
  #backend: Backend | Engine;
  #data: RawData;
  readonly #yield: () => Promise<void>;
  readonly #lazy?: LazyData;
  #run?: Run;
  /** A copy of the run that "Compare backends" trains (never the user's run). */
  #bench?: Run;

  /** `lazy` fetches the digits or g2p data when `data` has none and a run needs it. */
  constructor(backend: Backend | Engine, data: RawData, yieldToPage: () => Promise<void>, lazy?: LazyData) {
    this.#backend = backend;
    this.#data = data;
    this.#yield = yieldToPage;
    this.#lazy = lazy;
  }

  /** The data with the digits (g2p) data loaded when `task` is 'digits' ('g2p') or unknown (a file to load may hold any task). */
  async #dataFor(task?: TaskId): Promise<RawData> {
    const lazy = this.#lazy;
    if (!lazy) return this.#data;
    if (!this.#data.digits && (task === undefined || task === 'digits')) this.#data = { ...this.#data, digits: await lazy.digits() };
    if (this.#data.g2p === undefined && (task === undefined || task === 'g2p')) this.#data = { ...this.#data, g2p: await lazy.g2p() };
    return this.#data;
  }

  get #r(): Run {
    if (!this.#run) throw new Error('no model yet: init() first');
    return this.#run;
  }

  #info(r: Run): RunInfo {
    return { step: r.step, title: r.task.title, blurb: r.task.blurb, model: { ...r.config }, train: r.trainConfig, layerNames: r.layerNames };
  }

  #replace(r: Run): void {
    this.#run?.dispose();
    this.#run = r;
  }

  /** A fresh model from the seed. */
  async init(model: ModelConfig, train: TrainConfig): Promise<RunInfo> {
    const r = Run.fresh(this.#backend, await this.#dataFor(model.task), model, train);
    this.#replace(r);
    return this.#info(r);
  }

  /** A run from files (a playground save, or model.json + weights.bin [+ optimizer.bin]); on failure the current run stays. */
  async load(files: PickedFile[], fallback: { batchSize: number }): Promise<LoadedInfo> {
    const { run, meta, source, inferred } = await loadRun(this.#backend, await this.#dataFor(), files, fallback);
    this.#replace(run);
    this.#data = { ...this.#data, words: meta.words };
    return { ...this.#info(run), source, history: meta.history, inferred, words: meta.words };
  }

  /**
   * A fresh model trained on the user's own words (the generation task), or on the name lists
   * again (null). On failure (too few usable words) the current run and words stay.
   */
  async useWords(words: string[] | null, model: ModelConfig, train: TrainConfig): Promise<RunInfo> {
    const data = { ...this.#data, words: words ?? undefined };
    const r = Run.fresh(this.#backend, data, model, train);
    this.#data = data;
    this.#replace(r);
    return this.#info(r);
  }

  /** The run as a playground file (JSON text, the library's saved model inside). */
  exportFile(history: Point[]): Promise<string> {
    return saveRun(this.#r, history, this.#data.words);
  }

  /** Moves the run to another backend on this page with the library's `toBackend`. */
  async moveTo(backend: Backend): Promise<void> {
    await this.#r.toBackend(backend);
    this.#backend = backend;
  }

  /** `n` library training steps; the last one also reads the gradient per time step when `inspectLast`. */
  async train(n: number, inspectLast: boolean): Promise<StepResult[]> {
    const out: StepResult[] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.#r.trainStep(inspectLast && i === n - 1);
      out.push(r);
      if (r.diverged || !Number.isFinite(r.loss)) break;
      if (i < n - 1) await this.#yield();
    }
    return out;
  }

  setTrainConfig(train: TrainConfig): Promise<void> {
    return this.#r.setTrainConfig(train);
  }

  evaluate(): Promise<{ loss: number; metric: number }> {
    return this.#r.evaluate();
  }

  inspect(i: number): Promise<Inspection> {
    return this.#r.inspect(i);
  }

  forecast(): Promise<Forecast> {
    return this.#r.forecast();
  }

  digits(first: number, count: number): Promise<DigitPrediction[]> {
    return this.#r.digits(first, count);
  }

  g2pScores(): Promise<G2pScores> {
    return this.#r.g2pScores();
  }

  pronounce(word: string): Promise<Pronunciation> {
    return this.#r.pronounce(word);
  }

  classify(names: string[]): Promise<number[]> {
    return this.#r.classify(names);
  }

  sample(count: number, temperature: number, seed: number, prime: string): Promise<{ name: string; known: boolean }[]> {
    return this.#r.sample(count, temperature, seed, prime);
  }

  // ---- Compare backends: a copy of the run, the library's training step, timed after warm-up ----

  /** Loads a copy of a run (a playground file) for timing. */
  async benchLoad(file: string): Promise<void> {
    const { run } = await loadRun(this.#backend, await this.#dataFor(), [{ name: 'compare.json', bytes: new TextEncoder().encode(file) }], { batchSize: 32 });
    this.#bench?.dispose();
    this.#bench = run;
  }

  /** `n` training steps of the copy: each step's wall time and loss. */
  async benchTrain(n: number): Promise<{ ms: number[]; losses: number[] }> {
    if (!this.#bench) throw new Error('benchLoad() first');
    const ms: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.#bench.trainStep(false);
      if (r.diverged) throw new Error(r.diverged);
      ms.push(r.ms);
      losses.push(r.loss);
      await this.#yield();
    }
    return { ms, losses };
  }

  /** The copy's weights, flattened (then the copy is freed). */
  async benchEnd(): Promise<number[]> {
    const b = this.#bench;
    this.#bench = undefined;
    if (!b) return [];
    try {
      return (await b.model.readWeights()).flatMap((w) => Array.from(w.data as ArrayLike<number>));
    } finally {
      b.dispose();
    }
  }

  async memory(): Promise<{ tensors: number; buffers: number; bytes: number }> {
    const e = this.#run?.model.engine;
    return e ? e.memory() : { tensors: 0, buffers: 0, bytes: 0 };
  }

  async dispose(): Promise<void> {
    this.#bench?.dispose();
    this.#bench = undefined;
    this.#run?.dispose();
    this.#run = undefined;
  }
}

export type { PlaygroundMeta };

type Methods = {
  [K in keyof TrainerService as TrainerService[K] extends (...a: never[]) => unknown ? K : never]: TrainerService[K];
};
export type ServiceMethod = keyof Methods;
/** The service as seen from the page: every method async. */
export type TrainerApi = {
  [K in ServiceMethod]: Methods[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never;
};
