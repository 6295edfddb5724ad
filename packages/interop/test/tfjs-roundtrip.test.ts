/**
 * tfjs-layers 4.22 (cpu backend) against us (cpu backend), both ways, for every layer and option
 * of the Keras mapping: a model built and saved by tfjs-layers loads with loadTfjsModel and
 * predicts the same; the loaded model, given new random weights and saved with saveTfjsModel,
 * loads into tfjs-layers with tf.loadLayersModel and predicts the same.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { testRandom } from '@recurrent/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, saveTfjsModel } from '../src/index.js';
import { CASES, randomizeTfjs } from './tfjs-cases.js';
import { expectClose, expectInformative, loadTfjsDir, saveTfjsDir, tempDir, tf, tfjsPredict, tfReady } from './tfjs-node.js';

beforeAll(async () => {
  await tfReady();
});

describe('tfjs-layers -> loadTfjsModel -> same predictions (cpu)', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const tfModel = randomizeTfjs(tf, c.build(tf), 100 + k);
      const dir = tempDir('tfjs-in');
      await saveTfjsDir(tfModel, dir, 2);
      const x = c.input(200 + k);
      const want = tfjsPredict(tfModel, x);
      const model = await loadTfjsModel(dir, { backend: createCpuBackend(), seed: 1 });
      const got = await model.predict(x);
      expect(got.shape).toEqual(want[0].shape);
      expectInformative(want[0].data, c.name);
      expectClose(got.data, want[0].data, `${c.name}: output`);
      model.dispose();
      tfModel.dispose();
    });
  });
});

describe('saveTfjsModel -> tf.loadLayersModel -> same predictions (cpu)', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const tfModel = c.build(tf);
      const dir = tempDir('tfjs-src');
      await saveTfjsDir(tfModel, dir, 1);
      tfModel.dispose();
      const model = await loadTfjsModel(dir, { backend: createCpuBackend(), seed: 1 });
      // New weights, so nothing of tfjs's own survives the trip.
      const r = testRandom(300 + k);
      model.setWeights((await model.getWeights()).map((w) => ({ ...w, data: Float32Array.from(w.data, () => r(-0.5, 0.5)) })));
      const out = tempDir('tfjs-out');
      await saveTfjsModel(model, out);
      const back = await loadTfjsDir(out);
      const x = c.input(400 + k);
      const want = tfjsPredict(back, x);
      const got = await model.predict(x);
      expect(got.shape).toEqual(want[0].shape);
      expectInformative(want[0].data, c.name);
      expectClose(got.data, want[0].data, `${c.name}: output`);
      model.dispose();
      back.dispose();
    });
  });
});
