import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import { chromiumArgs } from '../core/src/testing/chromium.js';
import base from './vitest.config.js';

/**
 * `pnpm bench`: the browser benchmark (bench/train-step.bench.ts) in the same headless Chromium as
 * the tests: our WebGL backend, our gpu.js backend (mode webgl2) and tfjs-layers in one page.
 * `pnpm bench:webgpu` (bench/webgpu.bench.ts): our WebGPU and WebGL backends and tfjs-layers on
 * tfjs-backend-webgpu. The big dependencies are pre-bundled up front so vite does not reload the
 * page mid-run. The page has WebGPU (CHROMIUM_WEBGPU_ARGS); RECURRENT_GPU=1 uses the machine's GPU.
 */
const config = mergeConfig(
  base,
  defineConfig({
    optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'gpu.js'] },
    test: { testTimeout: 3_600_000 },
  }),
);
// mergeConfig concatenates arrays: replace the test files and drop the fixture setup outright.
config.test!.include = ['bench/**/*.bench.ts'];
config.test!.globalSetup = [];
config.test!.browser!.provider = playwright({
  launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs({ webgpu: true }) },
});
export default config;
