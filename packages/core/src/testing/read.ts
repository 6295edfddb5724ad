/**
 * Reading the backend under test: always through the async `read` (`await t.data()`), which
 * every backend has. A GPU backend may have no synchronous read at all (WebGPU maps buffers
 * only asynchronously), so the checks compute their tensors in a scope, return them, and read
 * them here. The float64 reference backend, on the CPU, is still read synchronously.
 */
import type { Tensor } from '../engine.js';

/** Reads every tensor of `ts` as float64 values, then disposes them (undefined reads as []). */
export async function readAll<T extends Record<string, Tensor | undefined>>(ts: T): Promise<{ [k in keyof T]: Float64Array }> {
  const out = {} as { [k in keyof T]: Float64Array };
  try {
    for (const k of Object.keys(ts) as (keyof T & string)[]) {
      const t = ts[k];
      out[k] = t ? Float64Array.from(await t.data()) : new Float64Array(0);
    }
  } finally {
    for (const t of Object.values<Tensor | undefined>(ts)) t?.dispose();
  }
  return out;
}
