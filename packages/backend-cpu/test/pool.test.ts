/**
 * The worker pool itself (src/internal/wasm/pool.ts), below the kernels: a worker copies rows
 * into pages the calling thread has just grown the shared memory by (its view of the memory's
 * size is refreshed before each job), and a worker that traps is reported with the function
 * and the engine's error text, after which the pool keeps working.
 */
import { BackendError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { MAX_PAGES } from '../src/internal/wasm/heap.js';
import { moduleBytes } from '../src/internal/wasm/kernels.js';
import { Pool } from '../src/internal/wasm/pool.js';

const PAGE = 65536;
const COPY = 0; // the pool's one function: copyRows(src, srcStride, dst, dstStride, rows, bytes)

/** A 2-thread pool over a one-page shared memory running misc.copyRows; resolves when its worker has started. */
async function copyPool(): Promise<{ pool: Pool; memory: WebAssembly.Memory }> {
  const mod = new WebAssembly.Module(moduleBytes({ shared: true, relaxed: false }).misc);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const local = new WebAssembly.Instance(mod, { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  const pool = new Pool(2, { memory, modules: { misc: mod }, functions: [['misc', 'copyRows']] }, [local.copyRows]);
  pool.runPrograms([[], []]); // starts the worker
  for (let waited = 0; !pool.ready; waited += 10) {
    if (waited > 30_000) throw new Error('the worker did not start within 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { pool, memory };
}

describe('cpu backend worker pool', () => {
  it('a worker copies rows into pages the calling thread grew the memory by just before the job (400 grows)', async () => {
    const { pool, memory } = await copyPool();
    try {
      const src = 256; // 64 floats of source data in the first page
      new Float32Array(memory.buffer, src, 64).set(Float32Array.from({ length: 64 }, (_, i) => i + 1));
      for (let g = 0; g < 400; g++) {
        const top = memory.grow(1 + (g % 3)) * PAGE; // the first new page
        // thread 0 copies the first 32 floats, the worker the last 32, each into the new pages
        pool.runPrograms([
          [COPY, 6, src, 0, top, 0, 1, 128],
          [COPY, 6, src + 128, 0, top + PAGE - 128, 0, 1, 128],
        ]);
        const view = new Float32Array(memory.buffer);
        expect(view[top / 4 + 31]).toBe(32);
        expect(view[(top + PAGE - 128) / 4]).toBe(33);
        expect(view[(top + PAGE) / 4 - 1]).toBe(64);
      }
    } finally {
      pool.dispose();
    }
  });

  it("a worker's trap is a BackendError naming the kernel and the engine's message; the next job runs", async () => {
    const { pool, memory } = await copyPool();
    try {
      const end = memory.buffer.byteLength;
      let error: unknown;
      try {
        pool.runPrograms([[COPY, 6, 64, 0, 128, 0, 1, 4], [COPY, 6, 64, 0, end - 4, 0, 1, 8]]); // the worker writes 4 bytes past the end
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BackendError);
      expect(String((error as Error).message)).toMatch(/worker thread 1 failed in WebAssembly kernel copyRows: RuntimeError: .*out of bounds/);
      new Float32Array(memory.buffer, 64, 1)[0] = 5;
      pool.runPrograms([[], [COPY, 6, 64, 0, 1024, 0, 1, 4]]);
      expect(new Float32Array(memory.buffer, 1024, 1)[0]).toBe(5);
    } finally {
      pool.dispose();
    }
  });
});
