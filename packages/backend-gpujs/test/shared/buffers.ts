/** Buffer ownership, memory counts and the kernel cache, for any mode. */
import { BackendError, createEngine, type Engine } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import type { GpujsBackend, GpujsBackendOptions } from '../../src/index.js';

export function bufferTests(label: string, create: (options?: GpujsBackendOptions) => GpujsBackend): void {
  describe(`buffers and kernels (${label})`, () => {
    it('memory() counts live buffers; each is deleted exactly once', () => {
      const b = create();
      const id = b.write(Float32Array.of(1, 2, 3), [3]);
      expect(b.memory()).toEqual({ buffers: 1, bytes: 12 });
      expect(Array.from(b.readSync(id))).toEqual([1, 2, 3]);
      b.dispose(id);
      expect(b.memory()).toEqual({ buffers: 0, bytes: 0 });
      expect(() => b.dispose(id)).toThrowError(BackendError);
      expect(() => b.dispose(id)).toThrowError(/buffer \d+ was already disposed/);
      expect(() => b.readSync(id)).toThrowError(/already disposed/);
      b.destroy?.();
    });

    it('stackTime of 70 steps (chunks of 8, a short last one, joined in two passes) puts every value in place', () => {
      const b = create();
      const e = createEngine(b);
      const [B, T, D] = [3, 70, 5];
      const steps = Array.from({ length: T }, (_, t) => e.tensor(Float32Array.from({ length: B * D }, (_, i) => t * 1000 + i), [B, D]));
      const out = e.stackTime(steps);
      expect(out.shape).toEqual([B, T, D]);
      const v = out.toArray();
      let bad = 0;
      for (let bb = 0; bb < B; bb++)
        for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) if (v[(bb * T + t) * D + d] !== t * 1000 + bb * D + d) bad++;
      expect(bad).toBe(0);
      for (const t of [...steps, out]) t.dispose();
      expect(e.memory().buffers).toBe(0);
      b.destroy?.();
    });

    it('a matmul operand packed for reuse (GL modes) is no buffer of its own and goes with its tensor', () => {
      const b = create();
      const e = createEngine(b);
      const before = b.memory();
      const w = e.fill([8, 12], 0.5);
      const xs = [1, 2, 3].map((k) => e.fill([3, 8], k));
      const ys = xs.map((x) => e.matmul(x, w));
      ys.forEach((y, k) => expect(y.toArray()).toEqual(Array(36).fill((k + 1) * 0.5 * 8)));
      expect(b.memory().buffers).toBe(before.buffers + 7);
      for (const t of [w, ...xs, ...ys]) t.dispose();
      expect(b.memory()).toEqual(before);
      b.destroy?.();
    });

    it('multi-pass ops free their intermediate buffers', () => {
      const b = create();
      const e = createEngine(b);
      const live = () => e.memory();
      const x = e.fill([3, 40], 0.25);
      const steps = Array.from({ length: 19 }, (_, t) => e.fill([2, 3], t)); // 3 passes of 8
      const parts = Array.from({ length: 11 }, (_, k) => e.fill([2, k + 1], k)); // 2 passes
      const outs = [e.softmax(x), e.logSoftmax(x), e.sumAll(e.fill([5000], 1)), e.stackTime(steps), e.concatCols(parts)];
      const m = live();
      expect(m.buffers).toBe(m.tensors);
      const stacked = outs[3].toArray();
      expect(stacked.length).toBe(2 * 19 * 3);
      // [B, T, D]: position (b, t, d) holds t
      stacked.forEach((v, i) => expect(v).toBe(Math.floor(i / 3) % 19));
      const cat = outs[4].toArray();
      expect(cat.slice(0, 66)).toEqual(parts.flatMap((_, k) => Array(k + 1).fill(k)));
      expect(outs[2].toArray()).toEqual([5000]);
      for (const t of [x, ...steps, ...parts, ...outs]) t.dispose();
      b.destroy?.();
    });

    it('every kernel call gives a new buffer: a later call of the same kernel leaves earlier outputs alone', () => {
      const b = create();
      const e = createEngine(b);
      const x = e.tensor([1, 2, 3], [3]);
      const first = e.add(x, x);
      const second = e.add(first, first); // the same kernel, reading its own earlier output
      const third = e.add(second, x);
      expect([first.toArray(), second.toArray(), third.toArray()]).toEqual([
        [2, 4, 6],
        [4, 8, 12],
        [5, 10, 15],
      ]);
      for (const t of [x, first, second, third]) t.dispose();
      expect(b.memory().buffers).toBe(0);
      b.destroy?.();
    });

    it('destroy() frees everything once; the backend refuses work afterwards', () => {
      const b = create();
      const e = createEngine(b);
      const x = e.fill([4], 1);
      b.destroy?.();
      expect(b.memory().buffers).toBe(0);
      expect(() => b.destroy?.()).not.toThrow();
      expect(() => b.kernels.fill([], { shape: [2], value: 1 }, [2])).toThrowError(/fill after destroy\(\); create a new backend/);
      void x;
    });

    it('compiles a kernel once per op and shape', () => {
      const b = create();
      const e = createEngine(b);
      const x = e.fill([4, 5], 1);
      const y = e.fill([4, 5], 2);
      const before = b.kernelStats().compiled;
      for (let i = 0; i < 10; i++) e.add(x, y).dispose();
      expect(b.kernelStats().compiled).toBe(before + 1);
      const z = e.fill([3, 5], 1); // another shape compiles fill and add again
      e.add(z, z).dispose();
      expect(b.kernelStats().compiled).toBe(before + 3);
      for (const t of [x, y, z]) t.dispose();
      b.destroy?.();
    });

    it('keeps at most maxKernels compiled, destroys evicted kernels, and recompiles them on demand', () => {
      const b = create({ maxKernels: 3 });
      const e: Engine = createEngine(b);
      const held = e.fill([7], 3); // the output of kernel 'fill [7]', still alive when it is evicted
      for (let n = 1; n <= 6; n++) e.fill([n], n).dispose();
      const s = b.kernelStats();
      expect(s.size).toBe(3);
      expect(s.compiled).toBe(7);
      expect(s.evicted).toBe(4);
      // Array modes destroy at eviction; GL modes wait until the evicted kernel's outputs are deleted.
      expect(s.destroyed).toBe(b.textures ? 3 : 4);
      expect(held.toArray()).toEqual([3, 3, 3, 3, 3, 3, 3]);
      held.dispose();
      expect(b.kernelStats().destroyed).toBe(4);
      const again = e.fill([7], 5);
      expect(again.toArray()).toEqual([5, 5, 5, 5, 5, 5, 5]);
      again.dispose();
      expect(b.kernelStats().compiled).toBe(8);
      expect(b.memory().buffers).toBe(0);
      b.destroy?.();
    });
  });
}
