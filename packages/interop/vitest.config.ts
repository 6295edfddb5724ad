import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

const conditions = ['@recurrent/source'];

// Two projects: Node (test/*.test.ts: cpu backend, gpu.js in webasm mode, PyTorch, onnxruntime-node,
// safetensors) and headless Chromium (test/browser/*.test.ts: the webgl and gpu.js backends against
// tfjs-layers in the same page, IndexedDB and localStorage; the ONNX graphs in onnxruntime-web).
// `vitest run` runs both; `--project node` / `--project chromium` one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl', '@recurrent/backend-gpujs > gpu.js'],
    // onnxruntime-web finds its .wasm beside its own module: serve it unbundled.
    exclude: ['onnxruntime-web'],
  },
  test: {
    testTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          testTimeout: 300_000,
          // One page, WebGL contexts: files one after the other.
          fileParallelism: false,
          browser: chromiumBrowserMode(playwright),
        },
      },
    ],
  },
});
