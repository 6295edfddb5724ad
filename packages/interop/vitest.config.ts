import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS } from '../core/src/testing/chromium.js';

const conditions = ['@recurrent/source'];

// Two projects: Node (test/*.test.ts: PyTorch, onnxruntime-node, safetensors) and headless
// Chromium (test/browser: the ONNX graphs in onnxruntime-web). `--project node|chromium` runs one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  // onnxruntime-web finds its .wasm beside its own module: serve it unbundled.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  test: {
    testTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            // A loaded machine can take minutes to start Chromium and serve the first modules.
            connectTimeout: 300_000,
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS] },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
