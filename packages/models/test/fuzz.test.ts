/**
 * Damaged model files, by the hundred: seeded mutations (@recurrent/core/testing mutateJson,
 * mutateBytes) of what `save` wrote for real models -- model.json's fields replaced by wrong
 * types, edge numbers, hostile keys, huge or deep values, removed or duplicated; the weight
 * and optimizer bytes truncated, extended, flipped, or a float set to NaN. Each load either
 * succeeds -- and then every weight is finite and predict and a training step work or throw a
 * typed error -- or throws one of our typed errors (RecurrentError). Never a TypeError, a
 * RangeError or a hang, and no tensor is left behind. A failure names the seed that reproduces it.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine } from '@recurrent/core';
import { describeMutations, loadDamaged, mutateBytes, mutateJson, untypedError } from '@recurrent/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { io, layers, loadModel, type ModelArtifacts, optimizers, sequential } from '../src/index.js';
import { manifestFor } from '../src/io/format.js';
import { hostTensor, randomValues } from './helpers.js';

const engine = createEngine(createCpuBackend());
/** RECURRENT_FUZZ_SCALE=10 runs ten times the seeds (a deeper local search; CI runs 1). */
const SCALE = Math.max(1, Math.floor(Number(process.env.RECURRENT_FUZZ_SCALE ?? 1)) || 1);
/** Input [2, 3, 2] and targets [2, 1] every base model takes. */
const x = hostTensor(randomValues(3, 12), [2, 3, 2]);
const y = hostTensor([1, 0], [2, 1]);

/** What real saves wrote: an LSTM + dense with Adam's slots, and a GRU over a SimpleRNN over a bidirectional LSTM. */
const bases: Record<string, ModelArtifacts> = {};
beforeAll(async () => {
  const make = {
    lstm: () => sequential({ backend: engine, seed: 1 }, [layers.lstm({ units: 3, inputShape: [null, 2] }), layers.dense({ units: 1 })]),
    stack: () =>
      sequential({ backend: engine, seed: 2 }, [
        layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }), inputShape: [3, 2] }),
        layers.simpleRNN({ units: 2, returnSequences: true }),
        layers.gru({ units: 2 }),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ]),
  };
  for (const [name, f] of Object.entries(make)) {
    const m = f();
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 0.01 }) });
    await m.fit(x, y, { verbose: 0, epochs: 2 });
    const h = io.memory();
    await m.save(h);
    bases[name] = h.artifacts as ModelArtifacts;
    m.dispose();
  }
});

/** How many loads succeeded and were refused with a typed error (the others are failures). */
const outcomes = { loaded: 0, refused: 0 };

/** Loads `a`; returns what went wrong in a way it must not (untyped error, NaN weight, leaked tensor), or null. */
async function tryLoad(a: ModelArtifacts): Promise<string | null> {
  const before = engine.memory().tensors;
  const r = await loadDamaged(() => loadModel(io.memory(a), { backend: engine }), () => engine.memory().tensors, outcomes);
  if (r === null || 'problem' in r) return r?.problem ?? null;
  const { model } = r;
  try {
    for (const w of await model.getWeights()) if (!w.data.every(Number.isFinite)) return `loaded with a non-finite value in ${w.name}`;
    const bad = await model
      .predict(x)
      .then(() => null)
      .catch((e: unknown) => untypedError('predict', e));
    if (bad) return bad;
    if (model.optimizer) {
      const r = await model.fit(x, y, { verbose: 0 }).then(
        () => null,
        (e: unknown) => untypedError('fit', e),
      );
      if (r) return r;
    }
  } finally {
    model.dispose();
  }
  return engine.memory().tensors === before ? null : `a loaded and disposed model left ${engine.memory().tensors - before} tensors`;
}

describe('damaged model files (seeded mutations of real saves)', () => {
  for (const name of ['lstm', 'stack'])
    it(`${name}: ${400 * SCALE} mutations of model.json, ${150 * SCALE} of the weights, ${50 * SCALE} of the optimizer slots: loaded or a typed error`, async () => {
      const base = bases[name];
      expect(await tryLoad(base)).toBeNull();
      outcomes.loaded = outcomes.refused = 0;
      const failures: string[] = [];
      for (let seed = 1; seed <= 400 * SCALE; seed++) {
        const m = mutateJson(base.modelJson, seed);
        const bad = await tryLoad({ ...base, modelJson: m.value });
        if (bad) failures.push(`${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      // Binary parts: odd seeds as a damaged disk leaves them (the CRC-32 in model.json no longer
      // matches), even seeds as an attacker writes them (byte length and CRC-32 made to match).
      const forged = (json: ModelArtifacts['modelJson'], at: 'weights' | 'optimizer', bytes: Uint8Array) => {
        const j = structuredClone(json);
        const m = at === 'weights' ? j.weights : j.training?.optimizer;
        if (m) Object.assign(m, manifestFor(m.path, bytes));
        return j;
      };
      for (let seed = 1; seed <= 150 * SCALE; seed++) {
        const m = mutateBytes(base.weights, seed);
        const bad = await tryLoad({ ...base, weights: m.value, modelJson: seed % 2 ? base.modelJson : forged(base.modelJson, 'weights', m.value) });
        if (bad) failures.push(`weights ${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      for (let seed = 1; seed <= 50 * SCALE; seed++) {
        const m = mutateBytes(base.optimizer as Uint8Array, seed);
        const bad = await tryLoad({ ...base, optimizer: m.value, modelJson: seed % 2 ? base.modelJson : forged(base.modelJson, 'optimizer', m.value) });
        if (bad) failures.push(`optimizer ${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      expect(failures.slice(0, 30).join('\n')).toBe('');
      // Both ends ran: damaged files that still load (then predict and fit ran on them), and refusals.
      console.log(`${name}: ${outcomes.loaded} loaded, ${outcomes.refused} refused with a typed error`);
      expect(outcomes.loaded).toBeGreaterThan(40);
      expect(outcomes.refused).toBeGreaterThan(300);
    });
});
