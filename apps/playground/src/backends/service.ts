/**
 * The operations a host offers on its trainer. The same object serves the CPU worker (behind
 * postMessage) and GPU backends on the page (called directly, yielding between steps).
 */
import type { Engine } from '@recurrent/core';
import type { ModelConfig, TrainConfig } from '../model/config.js';
import { type Forecast, type Inspection, type StepResult, Trainer, type TrainerState } from '../model/trainer.js';
import type { RawData } from '../tasks/index.js';

export class TrainerService {
  readonly #engine: Engine;
  readonly #data: RawData;
  readonly #yield: () => Promise<void>;
  #trainer?: Trainer;

  constructor(engine: Engine, data: RawData, yieldToPage: () => Promise<void>) {
    this.#engine = engine;
    this.#data = data;
    this.#yield = yieldToPage;
  }

  get #t(): Trainer {
    if (!this.#trainer) throw new Error('no model yet: init() first');
    return this.#trainer;
  }

  /** Builds the model: fresh from the seed, or continuing from a saved or moved state. */
  async init(model: ModelConfig, train: TrainConfig, state?: TrainerState): Promise<{ step: number; title: string; blurb: string }> {
    this.#trainer?.dispose();
    this.#trainer = undefined;
    this.#trainer = new Trainer(this.#engine, this.#data, model, train, state);
    const { title, blurb } = this.#trainer.task;
    return { step: this.#trainer.step, title, blurb };
  }

  /** `n` training steps; the last one records the gradient per time step when `inspectLast`. */
  async train(n: number, inspectLast: boolean): Promise<StepResult[]> {
    const out: StepResult[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await this.#t.trainStep(inspectLast && i === n - 1));
      if (!Number.isFinite(out[i].loss)) break;
      if (i < n - 1) await this.#yield();
    }
    return out;
  }

  async setTrainConfig(train: TrainConfig): Promise<void> {
    this.#t.setTrainConfig(train);
  }

  evaluate(): Promise<{ loss: number; metric: number }> {
    return this.#t.evaluate();
  }

  inspect(i: number): Promise<Inspection> {
    return this.#t.inspect(i);
  }

  forecast(): Promise<Forecast> {
    return this.#t.forecast();
  }

  classify(names: string[]): Promise<number[]> {
    return this.#t.classify(names);
  }

  sample(count: number, temperature: number, seed: number): Promise<{ name: string; known: boolean }[]> {
    return this.#t.sample(count, temperature, seed);
  }

  exportState(): Promise<TrainerState> {
    return this.#t.exportState();
  }

  async memory(): Promise<{ tensors: number; buffers: number; bytes: number }> {
    return this.#engine.memory();
  }

  async dispose(): Promise<void> {
    this.#trainer?.dispose();
    this.#trainer = undefined;
  }
}

type Methods = {
  [K in keyof TrainerService as TrainerService[K] extends (...a: never[]) => unknown ? K : never]: TrainerService[K];
};
export type ServiceMethod = keyof Methods;
/** The service as seen from the page: every method async. */
export type TrainerApi = {
  [K in ServiceMethod]: Methods[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never;
};
