import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

const conditions = ['@recurrent/source'];

// Two projects: Node (test/*.test.ts) and headless Chromium (test/browser/*.test.ts: the PyTorch
// fixture on both kernel sets on the page's main thread, where Chrome compiles WebAssembly
// synchronously only up to 4 KB). `vitest run` runs both; `--project node` or `--project chromium` one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 300_000,
    // Node 20 validates relaxed SIMD only behind a flag: with it the relaxed matmul is tested too.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 300_000,
          browser: chromiumBrowserMode(playwright),
        },
      },
    ],
  },
});
