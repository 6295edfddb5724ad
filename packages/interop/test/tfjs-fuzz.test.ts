/**
 * Damaged tfjs model files, by the hundred: seeded mutations (@recurrent/core/testing
 * mutateJson, mutateBytes) of what tfjs-layers itself saved -- the Keras topology's and the
 * weight specs' fields replaced by wrong types, edge numbers, hostile keys, huge or deep values,
 * removed or duplicated; the weight bytes truncated, extended, flipped, or a float set to NaN.
 * Each load either succeeds -- and then every weight is finite and predict works or throws a
 * typed error -- or throws one of our typed errors (RecurrentError). Never a TypeError, a
 * RangeError or a hang, and no tensor is left behind. A damaged file we load that tfjs-layers
 * loads too must predict what tfjs-layers predicts: a field we ignore that changes tfjs's answer
 * would be a silent wrong answer. A failure names the seed that reproduces it.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine } from '@recurrent/core';
import { describeMutations, loadDamaged, mutateBytes, mutateJson, untypedError } from '@recurrent/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, type TfjsArtifacts } from '../src/index.js';
import { randomizeTfjs } from './tfjs-cases.js';
import { tf, tfjsArtifactsOf, tfjsPredict, tfReady } from './tfjs-node.js';

const engine = createEngine(createCpuBackend());
/** RECURRENT_FUZZ_SCALE=10 runs ten times the seeds (a deeper local search; CI runs 1). */
const SCALE = Math.max(1, Math.floor(Number(process.env.RECURRENT_FUZZ_SCALE ?? 1)) || 1);
/** Input [2, 4, 2] every base model takes. */
const x = { data: Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)), shape: [2, 4, 2] };

/** Saved by tfjs-layers: an LSTM + dense; a bidirectional GRU + SimpleRNN + time-distributed dense; a functional two-branch model. */
const bases: Record<string, { modelTopology: unknown; weightSpecs: unknown; weightData: Uint8Array }> = {};
beforeAll(async () => {
  await tfReady();
  const input = tf.input({ shape: [4, 2] });
  const a = tf.layers.lstm({ units: 3, returnSequences: true }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'hardSigmoid' }).apply(input) as tf.SymbolicTensor;
  const merged = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(tf.layers.flatten().apply(merged)) as tf.SymbolicTensor;
  const make = {
    lstm: () => tf.sequential({ layers: [tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', inputShape: [4, 2] }), tf.layers.dense({ units: 1 })] }),
    stack: () =>
      tf.sequential({
        layers: [
          tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.layers.RNN, inputShape: [4, 2] }),
          tf.layers.simpleRNN({ units: 2, returnSequences: true }),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 1 }) }),
        ],
      }),
    functional: () => tf.model({ inputs: input, outputs: out }),
  };
  for (const [i, [name, f]] of Object.entries(make).entries()) {
    const m = randomizeTfjs(tf, f(), 31 + i); // seeded weights: a failing seed reproduces
    const art = await tfjsArtifactsOf(m);
    bases[name] = { modelTopology: art.modelTopology, weightSpecs: art.weightSpecs, weightData: new Uint8Array(art.weightData as ArrayBuffer) };
    m.dispose();
  }
});

/** How many loads succeeded and were refused with a typed error (the others are failures). */
const outcomes = { loaded: 0, refused: 0, compared: 0 };

/** What tfjs-layers predicts for the damaged file, or null when tfjs-layers refuses it too. */
async function tfjsReference(a: TfjsArtifacts): Promise<{ data: Float32Array; shape: number[] }[] | null> {
  let m: tf.LayersModel;
  try {
    m = await tf.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts));
  } catch {
    return null;
  }
  try {
    const out = tfjsPredict(m, x);
    return out.every((o) => o.data.every(Number.isFinite)) ? out : null;
  } catch {
    return null;
  } finally {
    m.dispose();
  }
}

/** Loads `a`; returns what went wrong in a way it must not (untyped error, NaN weight, leaked tensor), or null. */
async function tryLoad(a: TfjsArtifacts): Promise<string | null> {
  const before = engine.memory().tensors;
  const r = await loadDamaged(() => loadTfjsModel(a, { backend: engine }), () => engine.memory().tensors, outcomes);
  if (r === null || 'problem' in r) return r?.problem ?? null;
  const { model } = r;
  try {
    for (const w of await model.getWeights()) if (!w.data.every(Number.isFinite)) return `loaded with a non-finite value in ${w.name}`;
    let ours: { data: ArrayLike<number>; shape: number[] }[] | null = null;
    const bad = await model
      .predict(x)
      .then((p) => {
        ours = (Array.isArray(p) ? p : [p]).map((o) => ({ data: o.data, shape: o.shape }));
        return null;
      })
      .catch((e: unknown) => untypedError('predict', e));
    if (bad) return bad;
    const want = ours ? await tfjsReference(a) : null;
    if (ours && want) {
      const got = ours as { data: ArrayLike<number>; shape: number[] }[];
      outcomes.compared++;
      if (got.length !== want.length) return `${got.length} outputs, tfjs-layers ${want.length}`;
      for (let o = 0; o < got.length; o++) {
        if (got[o].shape.join() !== want[o].shape.join()) return `output ${o} shape [${got[o].shape}], tfjs-layers [${want[o].shape}]`;
        for (let i = 0; i < want[o].data.length; i++)
          if (!(Math.abs(got[o].data[i] - want[o].data[i]) <= 1e-4 + 1e-3 * Math.abs(want[o].data[i]))) return `output ${o}[${i}] ${got[o].data[i]}, tfjs-layers ${want[o].data[i]}`;
      }
    }
  } finally {
    model.dispose();
  }
  return engine.memory().tensors === before ? null : `a loaded and disposed model left ${engine.memory().tensors - before} tensors`;
}

describe('damaged tfjs model files (seeded mutations of what tfjs-layers saved)', () => {
  for (const name of ['lstm', 'stack', 'functional'])
    it(`${name}: ${400 * SCALE} mutations of the topology, ${100 * SCALE} of the weight specs, ${100 * SCALE} of the weight bytes: loaded or a typed error`, async () => {
      const base = bases[name];
      outcomes.loaded = 0;
      await expect(loadTfjsModel(base, { backend: engine }).then((m) => m.dispose())).resolves.toBeUndefined();
      expect(await tryLoad(base)).toBeNull();
      outcomes.loaded = outcomes.refused = outcomes.compared = 0;
      const failures: string[] = [];
      for (let seed = 1; seed <= 400 * SCALE; seed++) {
        const m = mutateJson(base.modelTopology, seed);
        const bad = await tryLoad({ ...base, modelTopology: m.value });
        if (bad) failures.push(`topology ${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      for (let seed = 1; seed <= 100 * SCALE; seed++) {
        const m = mutateJson(base.weightSpecs, seed);
        const bad = await tryLoad({ ...base, weightSpecs: m.value });
        if (bad) failures.push(`weightSpecs ${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      for (let seed = 1; seed <= 100 * SCALE; seed++) {
        const m = mutateBytes(base.weightData, seed);
        const bad = await tryLoad({ ...base, weightData: m.value });
        if (bad) failures.push(`weightData ${describeMutations(seed, m.mutations)} -> ${bad}`);
      }
      expect(failures.slice(0, 30).join('\n')).toBe('');
      // Both ends ran: damaged files that still load (then predict ran on them), and refusals.
      console.log(`${name}: ${outcomes.loaded} loaded (${outcomes.compared} also loaded by tfjs-layers and compared), ${outcomes.refused} refused with a typed error`);
      expect(outcomes.loaded).toBeGreaterThan(40);
      expect(outcomes.refused).toBeGreaterThan(200);
      expect(outcomes.compared).toBeGreaterThan(60); // the comparison with tfjs-layers ran (95-128 per model on 2026-12-04)
    });
});
