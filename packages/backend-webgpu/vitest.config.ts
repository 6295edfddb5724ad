import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

/**
 * Tests run in real headless Chromium (Debian's) via vitest's browser mode, with WebGPU on
 * SwiftShader's Vulkan (CHROMIUM_WEBGPU_ARGS), or on the machine's GPU with RECURRENT_GPU=1.
 * vitest serves the page over http, so `navigator.gpu` exists. The backend has no Node fallback:
 * without WebGPU the factory throws and every test fails (none is skipped).
 * test/global-setup.ts reads the PyTorch fixture in Node and hands it to the page (inject).
 * The Chromium flags come from core's source (relative path: a config gets no source condition).
 */
export default defineConfig({
  resolve: { conditions: ['@recurrent/source'] },
  ssr: { resolve: { conditions: ['@recurrent/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    browser: chromiumBrowserMode(playwright, { webgpu: true }),
  },
});
