/**
 * GL-mode specifics: GL textures (counted at the WebGL API, below gpu.js) stay flat while a
 * model trains, and a tensor whose texture would exceed MAX_TEXTURE_SIZE is a ShapeError.
 */
import { adam, computeLoss, createEngine, rnnBackward, rnnForward, type CellConfig, type Param } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpujsBackend } from '../../src/index.js';

/** Live WebGL textures across every context of the page, counted by wrapping the API. */
const gl = { live: 0 };
let restore: () => void = () => {};
beforeAll(() => {
  const proto = WebGL2RenderingContext.prototype;
  const create = proto.createTexture;
  const del = proto.deleteTexture;
  proto.createTexture = function (this: WebGL2RenderingContext) {
    gl.live++;
    return create.call(this);
  };
  proto.deleteTexture = function (this: WebGL2RenderingContext, t: WebGLTexture | null) {
    if (t && this.isTexture(t)) gl.live--;
    return del.call(this, t);
  };
  restore = () => {
    proto.createTexture = create;
    proto.deleteTexture = del;
  };
});
afterAll(() => restore());

describe('gpujs webgl2 textures', () => {
  for (const cell of [
    { kind: 'lstm', inputSize: 3, units: 8 },
    { kind: 'gru', inputSize: 3, units: 8 },
  ] as CellConfig[])
    it(`GL textures and buffers stay flat over 40 ${cell.kind} training steps (fused kernels, Adam)`, () => {
      const backend = createGpujsBackend({ mode: 'webgl2' });
      const e = createEngine(backend);
      const G = cell.kind === 'lstm' ? 4 : 3;
      const { inputSize: D, units: H } = cell;
      const vals = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 0.3);
      const params: Param[] = [
        { name: 'Wx', value: e.tensor(vals(D * G * H), [D, G * H]) },
        { name: 'Wh', value: e.tensor(vals(H * G * H), [H, G * H]) },
        { name: 'bx', value: e.tensor(vals(G * H), [G * H]) },
        { name: 'bh', value: e.tensor(vals(G * H), [G * H]) },
        { name: 'W', value: e.tensor(vals(H), [H, 1]) },
        { name: 'b', value: e.tensor([0], [1]) },
      ];
      const x = e.tensor(vals(4 * 5 * D), [4, 5, D]);
      const y = e.tensor([1, 0, 1, 0], [4, 1]);
      const opt = adam({ learningRate: 0.01 });
      const counts: { gl: number; buffers: number; tensors: number }[] = [];
      const losses: number[] = [];
      for (let s = 0; s < 40; s++) {
        const grads = e.scope(() => {
          const [Wx, Wh, bx, bh, W, b] = params.map((p) => p.value);
          const f = rnnForward(e, cell, { Wx, Wh, bx, bh }, x, { returnSequences: false });
          const logit = e.matmul(f.state.h, W, { bias: b });
          const { value: loss, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
          losses.push(loss.dataSync()[0]);
          const r = rnnBackward(e, f.tape!, { dState: { h: e.matmul(grad, W, { transposeB: true }) } });
          return [r.grads.Wx, r.grads.Wh, r.grads.bx!, r.grads.bh!, e.matmul(f.state.h, grad, { transposeA: true }), e.sumBatch(grad)];
        });
        opt.step(params, grads);
        for (const g of grads) g.dispose();
        const m = e.memory();
        counts.push({ gl: gl.live, buffers: m.buffers, tensors: m.tensors });
      }
      expect(counts[4].gl).toBeGreaterThan(0); // the wrapper sees gpu.js's textures
      expect(counts[39]).toEqual(counts[4]);
      expect(losses[39]).toBeLessThan(losses[0]); // it trains
      opt.dispose();
      for (const p of params) p.value.dispose();
      x.dispose();
      y.dispose();
      expect(backend.memory().buffers).toBe(0);
      backend.destroy?.();
    });

  it('a tensor whose texture exceeds MAX_TEXTURE_SIZE is a ShapeError naming it (maxTextureSize 64 here)', () => {
    const backend = createGpujsBackend({ mode: 'webgl2', maxTextureSize: 64 });
    const e = createEngine(backend);
    expect(backend.limits).toEqual({ maxElements: 4096, maxTextureSize: 64 });
    const ok = e.fill([64, 64], 1); // a 64x64 texture
    expect(ok.toArray().length).toBe(4096);
    expect(() => e.fill([4097], 1)).toThrowError(/^fill: got shape \[4097\], wanted at most 4096 elements \(a webgl2 texture holds at most MAX_TEXTURE_SIZE\^2 = 64\^2 values\)/);
    expect(() => e.tensor(new Array(4097).fill(0), [17, 241])).toThrowError(/^tensor: got shape \[17, 241\]/);
    const a = e.fill([65, 1], 1);
    const b = e.fill([1, 64], 1);
    expect(() => e.matmul(a, b)).toThrowError(/^matmul: got shape \[65, 64\], wanted at most 4096 elements/);
    for (const t of [ok, a, b]) t.dispose();
    backend.destroy?.();
  });

  it("the texture check uses gpu.js's own layout: 4032 elements fit 64x64 (as 63x64), 4033 do not (65x63)", () => {
    const backend = createGpujsBackend({ mode: 'webgl2', maxTextureSize: 64 });
    const e = createEngine(backend);
    const fits = e.fill([4032], 2);
    expect(fits.toArray()).toEqual(new Array(4032).fill(2));
    expect(() => e.fill([4033], 2)).toThrowError(
      /^fill: got shape \[4033\], wanted a shape whose texture fits MAX_TEXTURE_SIZE 64\. gpu\.js stores its 4033 elements in a 65x63 texture/,
    );
    fits.dispose();
    backend.destroy?.();
  });
});
