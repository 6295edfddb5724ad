/**
 * For every layer and option the ONNX export maps: ONNX Runtime (onnxruntime-node, the
 * reference) gives our predictions, including variable sequence lengths (the optional
 * sequence_lens input) and masks with holes; batch and time are dynamic.
 */
import { layers, sequential } from '@recurrent/models';
import { createCpuBackend } from '@recurrent/backend-cpu';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { onnxGraph } from '../src/onnx/export.js';
import { planModel } from '../src/plan/plan.js';
import { cases, lcg } from './helpers/cases.js';
import { expectClose } from './helpers/close.js';

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const xTensor = (x: { data: ArrayLike<number>; shape: number[] }, indices: boolean) =>
  indices ? new ort.Tensor('int64', BigInt64Array.from(Array.from(x.data, (v) => BigInt(v))), x.shape) : new ort.Tensor('float32', Float32Array.from(x.data), x.shape);

describe('exported ONNX in ONNX Runtime == predict', () => {
  for (const c of cases()) {
    it(c.name, async () => {
      const plan = await planModel(c.model, 'onnx');
      const bytes = onnxGraph(plan, { sequenceLengths: !!c.lengths });
      const ours = await c.model.predict(c.x);
      const feeds: Record<string, ort.Tensor> = { x: xTensor(c.x, plan.indices) };
      if (c.lengths) feeds.sequence_lens = new ort.Tensor('int64', BigInt64Array.from(c.lengths.map(BigInt)), [c.lengths.length]);
      const out = await run(bytes, feeds);
      expect(Array.from(out.y.dims)).toEqual(ours.shape);
      expectClose(ours.data, out.y.data as Float32Array, c.name);
      ours.states?.forEach((s, i) => expectClose(s.data, out[`state_${i}`].data as Float32Array, `${c.name}: state ${i}`));
      c.model.dispose();
    });
  }

  it('batch and time are dynamic: one graph runs [2, 7] and [5, 3] inputs', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 5 }, [layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), inputShape: [null, 2] })]);
    const bytes = onnxGraph(await planModel(model, 'onnx'));
    const r = lcg(3);
    for (const [B, T] of [
      [2, 7],
      [5, 3],
    ]) {
      const x = { data: Float32Array.from({ length: B * T * 2 }, () => r() - 0.5), shape: [B, T, 2] };
      const out = await run(bytes, { x: xTensor(x, false) });
      expectClose((await model.predict(x)).data, out.y.data as Float32Array, `[${B}, ${T}]`);
    }
    model.dispose();
  });
});
