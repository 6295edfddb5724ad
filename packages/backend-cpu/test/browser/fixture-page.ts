/**
 * Page module for a manual check in headless Chromium (not part of `vitest run`): the PyTorch
 * fixture on both kernel sets, on the page's main thread, where Chrome compiles WebAssembly
 * modules synchronously only up to 4 KB. Run by test/browser/run.ts.
 */
import { createEngine } from '@recurrent/core';
import { parseFixture, runFixture } from '@recurrent/core/testing';
import { createCpuBackend, wasmSimdSupported } from '../../src/index.js';

export async function run(args: { fixtureText: string }) {
  const fixture = parseFixture(JSON.parse(args.fixtureText), 'pytorch-reference.json');
  const out: Record<string, { pass: boolean; cases: number; failed: string[] }> = {};
  for (const simd of [true, false]) {
    const engine = createEngine(createCpuBackend({ simd }));
    const report = await runFixture(engine, fixture);
    out[simd ? 'wasm SIMD' : 'TypeScript'] = {
      pass: report.pass,
      cases: report.cases.length,
      failed: report.cases.filter((c) => !c.pass).map((c) => c.name),
    };
  }
  return { userAgent: navigator.userAgent, wasmSimd: wasmSimdSupported(), crossOriginIsolated, results: out };
}
