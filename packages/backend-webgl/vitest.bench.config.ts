import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `pnpm bench`: the browser benchmark (bench/*.bench.ts) in the same headless Chromium as the
 * tests: our WebGL backend, our gpu.js backend (mode webgl2) and tfjs-layers in one page. Both
 * big dependencies are pre-bundled up front so vite does not reload the page mid-run.
 */
const config = mergeConfig(
  base,
  defineConfig({
    optimizeDeps: { include: ['@tensorflow/tfjs', 'gpu.js'] },
    test: { testTimeout: 3_600_000 },
  }),
);
// mergeConfig concatenates arrays: replace the test files and drop the fixture setup outright.
config.test!.include = ['bench/**/*.bench.ts'];
config.test!.globalSetup = [];
export default config;
