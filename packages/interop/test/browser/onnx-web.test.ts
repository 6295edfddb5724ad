/**
 * The exported ONNX graphs in the browser: onnxruntime-web (WebAssembly) in Chromium gives our
 * predictions (computed in the same page on the CPU backend) for every case, lengths included.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { onnxGraph } from '../../src/onnx/export.js';
import { planModel } from '../../src/plan/plan.js';
import { cases } from '../helpers/cases.js';
import { expectClose } from '../helpers/close.js';

ort.env.wasm.numThreads = 1;

describe('exported ONNX in onnxruntime-web (Chromium) == predict', () => {
  it('every case', async () => {
    for (const c of cases()) {
      const plan = await planModel(c.model, 'onnx');
      const session = await ort.InferenceSession.create(onnxGraph(plan, { sequenceLengths: !!c.lengths }));
      const feeds: Record<string, ort.Tensor> = {
        x: plan.indices
          ? new ort.Tensor('int64', BigInt64Array.from(Array.from(c.x.data, (v) => BigInt(v))), c.x.shape)
          : new ort.Tensor('float32', Float32Array.from(c.x.data), c.x.shape),
      };
      if (c.lengths) feeds.sequence_lens = new ort.Tensor('int64', BigInt64Array.from(c.lengths.map(BigInt)), [c.lengths.length]);
      const out = await session.run(feeds);
      await session.release();
      const ours = await c.model.predict(c.x);
      expect(Array.from(out.y.dims), c.name).toEqual(ours.shape);
      expectClose(ours.data, out.y.data as Float32Array, c.name);
      c.model.dispose();
    }
  });
});
