import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

/**
 * Tests run in real headless Chromium (Debian's, WebGL2 through SwiftShader here) via vitest's
 * browser mode: the webgl backend has no Node fallback, so a test can only pass on WebGL.
 * test/global-setup.ts reads the PyTorch fixture in Node and hands it to the page (inject).
 * The Chromium flags come from core's source (relative path: a config gets no source condition);
 * RECURRENT_GPU=1 leaves out the SwiftShader flags, to test on the machine's GPU.
 */
export default defineConfig({
  resolve: { conditions: ['@recurrent/source'] },
  ssr: { resolve: { conditions: ['@recurrent/source'] } },
  optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl'] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // One page, one WebGL context: files run one after the other.
    fileParallelism: false,
    browser: chromiumBrowserMode(playwright),
  },
});
