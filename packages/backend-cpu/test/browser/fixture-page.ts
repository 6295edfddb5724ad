/**
 * Page module for a manual check in headless Chromium (not part of `vitest run`): the PyTorch
 * fixtures (the main file and the hard-sigmoid cells) on both kernel sets, on the page's main thread, where Chrome compiles WebAssembly
 * modules synchronously only up to 4 KB. Run by test/browser/run.ts.
 */
import { createEngine } from '@recurrent/core';
import { parseFixture, runFixture } from '@recurrent/core/testing';
import { createCpuBackend, wasmSimdSupported } from '../../src/index.js';

export async function run(args: { fixtures: { path: string; text: string }[] }) {
  const fixtures = args.fixtures.map(({ path, text }) => parseFixture(JSON.parse(text), path));
  const out: Record<string, { pass: boolean; cases: number; failed: string[] }> = {};
  for (const simd of [true, false]) {
    const engine = createEngine(createCpuBackend({ simd }));
    const cases = [];
    for (const fixture of fixtures) cases.push(...(await runFixture(engine, fixture)).cases);
    out[simd ? 'wasm SIMD' : 'TypeScript'] = {
      pass: cases.every((c) => c.pass),
      cases: cases.length,
      failed: cases.filter((c) => !c.pass).map((c) => c.name),
    };
  }
  return { userAgent: navigator.userAgent, wasmSimd: wasmSimdSupported(), crossOriginIsolated, results: out };
}
