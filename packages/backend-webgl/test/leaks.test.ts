/**
 * Textures, not just handles: 100 training steps of an LSTM (forward, BCE loss, BPTT, clipping,
 * Adam) must leave every count flat — our buffers, the live tfjs tensors of our tfjs instance,
 * the textures bound to them, and their bytes. core's checkLeaks (handles and buffers, four cell
 * kinds) runs for 100 steps too.
 */
import { adam, clipByGlobalNorm, computeLoss, createEngine, initCellParams, Rng, rnnBackward, rnnForward, type Param } from '@recurrent/core';
import { checkLeaks, describeFailures } from '@recurrent/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebglBackend, type WebglBackend, type WebglMemoryInfo } from '../src/index.js';

let backend: WebglBackend;
beforeAll(async () => {
  backend = await createWebglBackend();
});
afterAll(() => backend.destroy());

it('core checkLeaks: live tensors and buffers flat over 100 training steps of every cell', () => {
  const reports = checkLeaks(createEngine(backend), 100);
  expect(reports.length).toBeGreaterThan(0);
  expect(describeFailures(reports)).toBe('');
});

it('textures and GPU bytes flat over 100 LSTM training steps', () => {
  const e = createEngine(backend);
  const B = 4;
  const T = 5;
  const D = 3;
  const H = 6;
  const cell = { kind: 'lstm', inputSize: D, units: H } as const;
  const rng = new Rng(3);
  const cp = initCellParams(e, cell, rng);
  const params: Param[] = [
    { name: 'Wx', value: cp.Wx },
    { name: 'Wh', value: cp.Wh },
    { name: 'bx', value: cp.bx! },
    { name: 'W', value: e.tensor(Array.from({ length: H }, () => rng.normal() * 0.3), [H, 1]) },
    { name: 'b', value: e.tensor([0], [1]) },
  ];
  const x = e.tensor(Array.from({ length: B * T * D }, () => rng.normal()), [B, T, D]);
  const y = e.tensor([1, 0, 0, 1], [B, 1]);
  const opt = adam({ learningRate: 0.01 });
  const snapshots: WebglMemoryInfo[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    const grads = e.scope(() => {
      const [Wx, Wh, bx, W, b] = params.map((p) => p.value);
      const f = rnnForward(e, cell, { Wx, Wh, bx }, x, { returnSequences: false });
      const logit = e.matmul(f.state.h, W, { bias: b });
      const { value, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
      if (step % 20 === 0) losses.push(value.dataSync()[0]);
      const r = rnnBackward(e, f.tape!, { dState: { h: e.matmul(grad, W, { transposeB: true }) } });
      const all = [r.grads.Wx, r.grads.Wh, r.grads.bx!, e.matmul(f.state.h, grad, { transposeA: true }), e.sumBatch(grad)];
      return clipByGlobalNorm(e, all, 5).clipped;
    });
    opt.step(params, grads);
    for (const gr of grads) gr.dispose();
    snapshots.push(backend.memory());
  }
  const [first, last] = [snapshots[0], snapshots[snapshots.length - 1]];
  expect(last.buffers).toBe(first.buffers);
  expect(last.tfjsTensors).toBe(first.tfjsTensors);
  expect(last.texturesInUse).toBe(first.texturesInUse);
  expect(last.gpuBytes).toBe(first.gpuBytes);
  // Every live tfjs tensor is one of ours: nothing is held by tfjs behind our back.
  expect(last.tfjsTensors).toBe(last.buffers);
  // The pool of free textures is bounded too (tfjs reuses them rather than allocating).
  expect(last.texturesPooled).toBeLessThanOrEqual(snapshots[1].texturesPooled + 4);
  // And it trained: the loss fell.
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  opt.dispose();
  for (const p of params) p.value.dispose();
  x.dispose();
  y.dispose();
  expect(backend.memory().buffers).toBe(0);
  expect(backend.memory().texturesInUse).toBe(0);
  expect(backend.memory().gpuBytes).toBe(0);
});
