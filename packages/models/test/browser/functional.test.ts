/**
 * The functional API in headless Chromium on the cpu backend (WebAssembly): a teacher-forced
 * encoder-decoder with Luong dot attention trains (the loss falls), predicts, saves to
 * IndexedDB and loads back as the same model, and resumes training identically.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { testRandom } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { type Functional, type HostTensor, input, layers, loadModel, model, type SymbolicTensor } from '../../src/index.js';

const r = testRandom(5);
const N = 8;
const S = 4;
const T = 3;
const data = (n: number, t: number, d: number) => ({ data: Float64Array.from({ length: n * t * d }, () => r(-1, 1)), shape: [n, t, d] });
const x = [data(N, S, 2), data(N, T, 2)];
const y = { data: Float64Array.from({ length: N * T }, (_, i) => i % 3), shape: [N, T] };
const one = (v: SymbolicTensor | SymbolicTensor[]) => v as SymbolicTensor;

function build(): Functional {
  const encIn = input({ shape: [S, 2], name: 'source' });
  const decIn = input({ shape: [T, 2], name: 'target_in' });
  const [enc, h, c] = layers.lstm({ units: 6, returnSequences: true, returnState: true, name: 'encoder' }).apply(encIn) as SymbolicTensor[];
  const dec = one(layers.lstm({ units: 6, returnSequences: true, name: 'decoder' }).apply(decIn, { initialState: [h, c] }));
  const weights = one(layers.activation({ activation: 'softmax' }).apply(one(layers.dot({ axes: 2 }).apply([dec, enc]))));
  const context = one(layers.dot({ axes: [2, 1] }).apply([weights, enc]));
  const out = one(layers.dense({ units: 3, activation: 'softmax' }).apply(one(layers.concatenate().apply([context, dec]))));
  return model({ inputs: [encIn, decIn], outputs: out, backend: createCpuBackend(), seed: 4 });
}

describe('functional model in a browser', () => {
  it('trains, predicts, round-trips through IndexedDB and resumes identically', async () => {
    const m = build();
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 8, batchSize: 4, verbose: 0 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    await m.save('indexeddb://functional-test');
    const l = await loadModel<Functional>('indexeddb://functional-test', { backend: createCpuBackend() });
    const p = (await m.predict(x)) as HostTensor;
    expect(p.shape).toEqual([N, T, 3]);
    expect(Array.from(((await l.predict(x)) as HostTensor).data)).toEqual(Array.from(p.data));
    const [a, b] = [await l.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }), await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })];
    expect(a.history.loss).toEqual(b.history.loss);
  });
});
