/**
 * The same tfjs-layers models on our gpu.js backend in Node (WebAssembly mode), against
 * tfjs-layers' own predictions (cpu backend) at core's float32 tolerance.
 */
import { createGpujsBackend, type GpujsBackend } from '@recurrent/backend-gpujs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadTfjsModel } from '../src/index.js';
import { CASES, randomizeTfjs } from './tfjs-cases.js';
import { expectClose, expectInformative, tf, tfjsArtifactsOf, tfjsPredict, tfReady } from './tfjs-node.js';

let backend: GpujsBackend;
beforeAll(async () => {
  await tfReady();
  backend = createGpujsBackend({ mode: 'webasm' });
});
afterAll(() => backend.destroy?.());

describe('tfjs-layers models on our gpu.js backend (webasm, Node)', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const m = randomizeTfjs(tf, c.build(tf), 700 + k);
      const x = c.input(800 + k);
      const want = tfjsPredict(m, x)[0].data;
      expectInformative(want, c.name);
      const model = await loadTfjsModel(await tfjsArtifactsOf(m), { backend });
      expectClose((await model.predict(x)).data, want, `${c.name} on gpujs webasm`);
      model.dispose();
      m.dispose();
    });
  });
});
