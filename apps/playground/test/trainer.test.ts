/**
 * The trainer in Node on the CPU backend: a run moved through exportState (as a backend switch
 * or a saved file does) continues exactly as the uninterrupted run; the URL form of the
 * configuration round-trips and reports what it ignores.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { readPlaygroundData } from '../data-files.js';
import { configFromQuery, configToQuery, DEFAULT_CONFIG, type ModelConfig, type TrainConfig } from '../src/model/config.js';
import { Trainer, type TrainerState } from '../src/model/trainer.js';

const data = readPlaygroundData();
const train: TrainConfig = { optimizer: 'adam', learningRate: 0.01, batchSize: 8, clipNorm: 1 };

async function losses(t: Trainer, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await t.trainStep()).loss);
  return out;
}

describe('Trainer', () => {
  for (const [task, cell] of [
    ['names', 'lstm'],
    ['generate', 'gru'],
    ['weather', 'simpleRnn'],
    ['adding', 'lstm'],
  ] as const) {
    it(`${task} (${cell}, 2 layers): a run moved through its saved state continues exactly`, async () => {
      const model: ModelConfig = { task, cell, units: 6, layers: 2, seqLen: task === 'adding' ? 12 : 8, seed: 5 };
      const whole = new Trainer(createEngine(createCpuBackend()), data, model, train);
      const expected = await losses(whole, 6);
      const first = new Trainer(createEngine(createCpuBackend()), data, model, train);
      const before = await losses(first, 3);
      // Through JSON, as a downloaded file or a postMessage would carry it.
      const state = JSON.parse(JSON.stringify(await first.exportState())) as TrainerState;
      first.dispose();
      const moved = new Trainer(createEngine(createCpuBackend()), data, model, train, state);
      expect(moved.step).toBe(3);
      expect([...before, ...(await losses(moved, 3))]).toEqual(expected);
      expect(expected[5]).toBeLessThan(expected[0]);
      whole.dispose();
      moved.dispose();
      expect(moved.memory().tensors).toBe(0);
    });
  }

  it('refuses a saved state that does not fit the configuration, naming the parameter', async () => {
    const model: ModelConfig = { task: 'adding', cell: 'gru', units: 4, layers: 1, seqLen: 10, seed: 1 };
    const state = await new Trainer(createEngine(createCpuBackend()), data, model, train).exportState();
    expect(() => new Trainer(createEngine(createCpuBackend()), data, { ...model, units: 5 }, train, state)).toThrow(
      /'l1.Wx' is \[2,12\], wanted \[2,15\]/,
    );
  });
});

describe('configuration in the URL', () => {
  it('round-trips and reports values it ignores', () => {
    const c = { ...DEFAULT_CONFIG, task: 'adding' as const, seqLen: 77, cell: 'gru' as const, learningRate: 0.003, backend: 'webgl' as const };
    expect(configFromQuery(configToQuery(c))).toEqual({ config: c, problems: [] });
    const bad = configFromQuery('task=adding&units=0&cell=tree&seq=500&lr=abc');
    expect(bad.config).toEqual({ ...DEFAULT_CONFIG, task: 'adding', seqLen: 30 });
    expect(bad.problems).toEqual([
      'cell=tree is not one of simpleRnn, lstm, gru',
      'units=0 is not an integer in [2, 128]',
      'seq=500 is not an integer in [5, 200]',
      'lr=abc is not a number in [0.00001, 1]',
    ]);
  });
});
