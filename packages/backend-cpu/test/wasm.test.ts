/**
 * The WebAssembly SIMD path's own pieces: module sizes, the vector exp/sigmoid/tanh against
 * float64 Math, the heap allocator, and the cached transposed copies used by the matmul.
 * (Every kernel is also checked against the float64 reference in kernels.test.ts and by the
 * conformance suite, for both kernel sets.)
 */
import { createEngine } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackendWith as createCpuBackend, wasmSimdSupported } from '../src/backend.js';
import { assembleModule } from '../src/internal/wasm/encode.js';
import { Fn, I32 } from '../src/internal/wasm/fn.js';
import { WasmHeap, sizeClass } from '../src/internal/wasm/heap.js';
import { moduleBytes } from '../src/internal/wasm/kernels.js';
import { declareMath, vexp, vsigmoid, vtanh } from '../src/internal/wasm/math-wasm.js';

describe('wasm modules', () => {
  it('are valid, and each is under 4 KB (Chrome compiles nothing larger synchronously on the main thread)', () => {
    expect(wasmSimdSupported()).toBe(true);
    for (const [name, bytes] of Object.entries(moduleBytes())) {
      expect(WebAssembly.validate(bytes), name).toBe(true);
      expect(bytes.length, name).toBeLessThan(4096);
    }
  });
});

describe('vector exp, sigmoid, tanh', () => {
  /** A module mapping one helper over n floats: out[i] = f(in[i]). */
  const mapper = (name: string, emit: (f: Fn) => Fn) => {
    const f = new Fn(name, [['src', I32], ['dst', I32], ['bytes', I32]]);
    f.local(I32, 'i');
    declareMath(f);
    f.i32(0).set('i').loop();
    emit(f.get('dst').get('i').add().get('src').get('i').add().load()).store();
    f.inc('i', 16).get('i').get('bytes').ltS().brIf(0).end();
    return f;
  };
  const bytes = assembleModule([mapper('exp', vexp), mapper('sigmoid', vsigmoid), mapper('tanh', vtanh)].map((f) => f.def()));
  const memory = new WebAssembly.Memory({ initial: 4 });
  const fns = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  const N = 1 << 15;
  const heap = new Float32Array(memory.buffer);

  /** Max relative error (over |want| > floor) of f on a grid of [lo, hi]. */
  const maxRelError = (name: string, want: (x: number) => number, lo: number, hi: number, floor = 1e-30) => {
    for (let i = 0; i < N; i++) heap[i] = lo + ((hi - lo) * i) / (N - 1);
    fns[name](0, 4 * N, 4 * N);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const w = want(heap[i]);
      const got = heap[N + i];
      if (!Number.isFinite(got)) return Number.POSITIVE_INFINITY;
      if (Math.abs(w) > floor) worst = Math.max(worst, Math.abs(got - w) / Math.abs(w));
    }
    return worst;
  };

  it('exp is within 3e-7 relative of Math.exp on [-87, 88]', () => {
    expect(maxRelError('exp', Math.exp, -87, 88)).toBeLessThan(3e-7);
    expect(maxRelError('exp', Math.exp, -1, 1)).toBeLessThan(3e-7);
  });

  it('sigmoid is within 3e-7 relative of 1 / (1 + e^-x), and saturates to 0 and 1', () => {
    expect(maxRelError('sigmoid', (x) => 1 / (1 + Math.exp(-x)), -80, 80)).toBeLessThan(3e-7);
    heap.set([-1e4, -200, 200, 1e4]);
    fns.sigmoid(0, 64, 16);
    expect(Array.from(heap.subarray(16, 20)).map((v) => Math.abs(v) < 1e-37)).toEqual([true, true, false, false]);
    expect(heap[18]).toBe(1);
    expect(heap[19]).toBe(1);
  });

  it('tanh is within 3e-7 relative of Math.tanh, also near 0, and is odd', () => {
    expect(maxRelError('tanh', Math.tanh, -20, 20)).toBeLessThan(3e-7);
    expect(maxRelError('tanh', Math.tanh, -0.01, 0.01)).toBeLessThan(3e-7);
    heap.set([-1e4, -0.3, 0.3, 1e4]);
    fns.tanh(0, 64, 16);
    expect([heap[16], heap[19]]).toEqual([-1, 1]);
    expect(heap[17]).toBe(-heap[18]);
  });
});

describe('wasm heap', () => {
  it('rounds sizes up to classes: 64-byte steps to 64 KB, then eighths of a power of two', () => {
    expect([1, 64, 65, 4000, 65536].map(sizeClass)).toEqual([64, 64, 128, 4032, 65536]);
    expect(sizeClass(65537)).toBe(65536 + 8192);
    expect(sizeClass(100_000)).toBeGreaterThanOrEqual(100_000);
    expect(sizeClass(100_000)).toBeLessThan(100_000 * 1.13);
  });

  it('reuses a freed block of the same class, zeroes it on request, and keeps data across growth', () => {
    const heap = new WasmHeap({ initialPages: 1 });
    const a = heap.alloc(100);
    heap.get(a).fill(7);
    const pa = heap.ptr(a);
    heap.delete(a);
    const b = heap.alloc(98, true); // same class (400 and 392 bytes -> 448)
    expect(heap.ptr(b)).toBe(pa);
    expect(Array.from(heap.get(b)).every((v) => v === 0)).toBe(true);
    heap.get(b).fill(3);
    const before = heap.get(b);
    const big = heap.alloc(200_000); // grows the memory: older views detach
    expect(before.length).toBe(0);
    expect(Array.from(heap.get(b)).every((v) => v === 3)).toBe(true);
    expect(heap.get(big).length).toBe(200_000);
    expect(heap.memory()).toEqual({ buffers: 2, bytes: 98 * 4 + 200_000 * 4 });
    heap.clear();
    expect(heap.memory()).toEqual({ buffers: 0, bytes: 0 });
    expect(Array.from(heap.get(heap.alloc(10))).every((v) => v === 0)).toBe(true);
  });

  it('a transposed copy cached for matmul dies with its buffer (a new buffer in the same block is not served stale data)', () => {
    const backend = createCpuBackend({ simd: true });
    const e = createEngine(backend);
    const a = e.tensor([1, 2, 3, 4], [2, 2]);
    const b1 = e.tensor([1, 0, 0, 1], [2, 2]);
    expect(e.matmul(a, b1, { transposeB: true }).toArray()).toEqual([1, 2, 3, 4]);
    b1.dispose();
    const b2 = e.tensor([0, 1, 1, 0], [2, 2]); // likely the block b1 had
    expect(e.matmul(a, b2, { transposeB: true }).toArray()).toEqual([2, 1, 4, 3]);
    const b3 = e.tensor([1, 2, 3, 4], [2, 2]);
    // b3^T = [[1, 3], [2, 4]]; a @ b3^T, twice (the second call uses the cached copy)
    expect(e.matmul(a, b3, { transposeB: true }).toArray()).toEqual([5, 11, 11, 25]);
    expect(e.matmul(a, b3, { transposeB: true }).toArray()).toEqual([5, 11, 11, 25]);
  });

  for (const pack of [true, false])
  it(`derived copies (transposed${pack ? ', packed panels' : ''}) give the same product on first, cached and post-dispose uses`, () => {
    const cpu = createEngine(createCpuBackend({ simd: true, pack, heap: { initialPages: 1 } }));
    const ref = createEngine(createReferenceBackend());
    let seed = 3;
    const rand = (n: number) =>
      Array.from({ length: n }, () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return Math.fround(seed / 2 ** 32 - 0.5);
      });
    for (const [m, k, n] of [[8, 300, 37], [6, 16, 16], [4, 5, 8]])
      for (const transposeB of [false, true]) {
        const av = rand(m * k);
        const bv = rand(k * n);
        const bShape = transposeB ? [n, k] : [k, n];
        const want = ref.matmul(ref.tensor(av, [m, k]), ref.tensor(bv, bShape), { transposeB }).toArray();
        const a = cpu.tensor(av, [m, k]);
        for (let round = 0; round < 2; round++) {
          const b = cpu.tensor(bv, bShape); // a new buffer each round, maybe in the block of the last one
          for (let use = 0; use < 3; use++) {
            const got = cpu.matmul(a, b, { transposeB }).toArray();
            for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
          }
          b.dispose();
        }
      }
  });

  it('a block that held a transposed copy is zeroed when reused for an op that needs zeros', () => {
    const e = createEngine(createCpuBackend({ simd: true }));
    const a = e.tensor(Array.from({ length: 64 }, (_, i) => i + 1), [8, 8]);
    e.matmul(a, a, { transposeB: true }).dispose();
    a.dispose(); // frees a and its cached transposed copy, both in the same size class
    const labels = e.tensor([0, 3], [2]);
    const oh = e.oneHot(labels, 32).toArray(); // 64 values: a zero-filled block of that class
    expect(oh.filter((v) => v !== 0)).toEqual([1, 1]);
    expect([oh[0], oh[32 + 3]]).toEqual([1, 1]);
  });
});
