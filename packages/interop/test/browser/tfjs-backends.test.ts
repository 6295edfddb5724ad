/**
 * In headless Chromium, tfjs-layers 4.22 and us in the same page: every round-trip case of
 * tfjs-cases.ts loaded with loadTfjsModel runs on our webgl backend and on our gpu.js backend
 * (WebGL2 mode) with tfjs-layers' own predictions (its cpu backend) as the reference, at core's
 * float32 tolerance; and the browser stores: tfjs-layers' indexeddb:// and localstorage:// models
 * load into ours, ours saved there load into tfjs-layers.
 */
import { createGpujsBackend, type GpujsBackend } from '@recurrent/backend-gpujs';
import { createWebglBackend, type WebglBackend } from '@recurrent/backend-webgl';
import type { Backend } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, saveTfjsModel, TfjsFormatError } from '../../src/index.js';
import { CASES, randomInput, randomizeTfjs } from '../tfjs-cases.js';
import { expectClose, expectInformative, tf, tfjsArtifactsOf, tfjsPredict, tfReady } from '../tfjs-shared.js';

// One backend of each for the whole file: a page has a limited number of WebGL contexts.
let webgl: WebglBackend;
let gpujs: GpujsBackend;
const backends: [string, () => Backend][] = [
  ['webgl', () => webgl],
  ['gpujs (webgl2)', () => gpujs],
];

beforeAll(async () => {
  await tfReady();
  webgl = await createWebglBackend();
  gpujs = createGpujsBackend({ mode: 'webgl2' });
});
afterAll(() => {
  webgl.destroy();
  gpujs.destroy?.();
});

for (const [backendName, backend] of backends)
  describe(`tfjs-layers models on our ${backendName} backend`, () => {
    CASES.forEach((c, k) => {
      it(c.name, async () => {
        const m = randomizeTfjs(tf, c.build(tf), 500 + k);
        const x = c.input(600 + k);
        const want = tfjsPredict(m, x)[0].data;
        expectInformative(want, c.name);
        const model = await loadTfjsModel(await tfjsArtifactsOf(m), { backend: backend() });
        expectClose((await model.predict(x)).data, want, `${c.name} on ${backendName}`);
        model.dispose();
        m.dispose();
      });
    });
  });

describe('browser stores, in tfjs-layers 4.22 layout', () => {
  const make = () =>
    randomizeTfjs(
      tf,
      tf.sequential({ layers: [tf.layers.lstm({ units: 4, returnSequences: true, inputShape: [5, 3] }), tf.layers.gru({ units: 3 }), tf.layers.dense({ units: 2 })] }),
      77,
    );
  const x = randomInput(78, [2, 5, 3], 2);

  for (const scheme of ['indexeddb', 'localstorage'] as const) {
    it(`${scheme}://: a model tfjs-layers saved loads into ours; ours saved there loads into tfjs-layers`, async () => {
      const m = make();
      await m.save(`${scheme}://tfjs-made`);
      const ours = await loadTfjsModel(`${scheme}://tfjs-made`, { backend: webgl });
      expectClose((await ours.predict(x)).data, tfjsPredict(m, x)[0].data, `${scheme} in`);
      await saveTfjsModel(ours, `${scheme}://ours-made`);
      const back = await tf.loadLayersModel(`${scheme}://ours-made`);
      expectClose(tfjsPredict(back, x)[0].data, (await ours.predict(x)).data, `${scheme} out`);
      ours.dispose();
      m.dispose();
      back.dispose();
    });

    it(`${scheme}://: a name never saved is a TfjsFormatError`, async () => {
      const err = await loadTfjsModel(`${scheme}://never-saved`, { backend: webgl }).catch((e) => e);
      expect(err).toBeInstanceOf(TfjsFormatError);
      expect(err.problem).toBe('source');
    });
  }

  it('a file path in a browser is a TfjsFormatError pointing at the browser sources', async () => {
    const err = await loadTfjsModel('models/x', { backend: webgl }).catch((e) => e);
    expect(err).toBeInstanceOf(TfjsFormatError);
    expect(err.message).toMatch(/indexeddb/);
  });
});
