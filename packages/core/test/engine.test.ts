import { describe, expect, it } from 'vitest';
import { createEngine, DisposedError, ShapeError } from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

describe('engine', () => {
  it('runs a matmul with bias and checks shapes', () => {
    const e = createEngine(createReferenceBackend());
    const a = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = e.tensor([1, 0, 0, 1, 1, 1], [3, 2]);
    const bias = e.tensor([10, 20], [2]);
    expect(e.matmul(a, b, { bias }).toArray()).toEqual([14, 25, 20, 31]);
    expect(() => e.matmul(a, a)).toThrow(ShapeError);
    expect(() => e.matmul(a, a)).toThrow(/matmul \(b\): got shape \[2, 3\], wanted \[3, 3\]/);
  });

  it('scope disposes intermediates and keeps returned tensors', () => {
    const e = createEngine(createReferenceBackend());
    const x = e.tensor([1, 2], [2]);
    const before = e.memory().buffers;
    const { y } = e.scope(() => {
      const t = e.exp(x);
      return { y: e.add(t, x) };
    });
    expect(e.memory().buffers).toBe(before + 1);
    y.dispose();
    expect(e.memory().buffers).toBe(before);
    expect(() => e.exp(y)).toThrow(DisposedError);
  });

  it('reshape shares the buffer until the last handle is gone', () => {
    const e = createEngine(createReferenceBackend());
    const x = e.tensor([1, 2, 3, 4], [2, 2]);
    const r = x.reshape([4]);
    x.dispose();
    expect(r.toArray()).toEqual([1, 2, 3, 4]);
    r.dispose();
    expect(e.memory()).toEqual({ tensors: 0, buffers: 0, bytes: 0 });
  });
});
