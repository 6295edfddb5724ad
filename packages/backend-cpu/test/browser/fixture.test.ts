/**
 * The backend in a browser: every case of the PyTorch reference files on both kernel sets
 * (WebAssembly SIMD and TypeScript), on the main thread of headless Chromium, at core's float32
 * tolerances. (Node runs the whole conformance suite in test/conformance.test.ts.) The page is
 * not cross-origin isolated, so the backend runs on one thread here.
 */
import { createEngine } from '@recurrent/core';
import { parseFixture, runFixture } from '@recurrent/core/testing';
import { describe, expect, inject, it } from 'vitest';
import { createCpuBackend, relaxedSimdSupported, wasmSimdSupported } from '../../src/index.js';

describe('backend-cpu in Chromium', () => {
  it('has WebAssembly SIMD, so the default backend uses the SIMD kernels', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('has relaxed SIMD (Chromium validates it without a flag), so the SIMD run below uses f32x4.relaxed_madd', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });

  for (const simd of [true, false])
    it(`passes every case of the PyTorch reference files with the ${simd ? 'WebAssembly SIMD' : 'TypeScript'} kernels`, async () => {
      const engine = createEngine(createCpuBackend({ simd }));
      const files = inject('fixtures');
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const { path, text } of files) {
        const report = await runFixture(engine, parseFixture(JSON.parse(text), path));
        expect(report.cases.length, path).toBeGreaterThan(0);
        expect(report.cases.filter((c) => !c.pass).map((c) => c.name), path).toEqual([]);
        expect(report.pass).toBe(true);
      }
    });
});
