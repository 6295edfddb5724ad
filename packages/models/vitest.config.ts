import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type Plugin } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

const conditions = ['@recurrent/source'];

/**
 * A tiny file server inside the test page's own dev server, for the http handler's browser
 * tests: `PUT /__models/<path>` stores the body in memory, `GET /__models/<path>` serves it
 * (404 when absent). Same origin as the page, so no CORS; nothing is written to disk.
 */
function modelFileServer(): Plugin {
  const files = new Map<string, { body: Buffer; type: string }>();
  return {
    name: 'recurrent-test-model-files',
    configureServer(server) {
      server.middlewares.use('/__models/', (req, res) => {
        const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        if (req.method === 'PUT') {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            files.set(key, { body: Buffer.concat(chunks), type: req.headers['content-type'] ?? 'application/octet-stream' });
            res.statusCode = 204;
            res.end();
          });
          return;
        }
        const f = req.method === 'GET' ? files.get(key) : undefined;
        if (!f) {
          res.statusCode = req.method === 'GET' ? 404 : 405;
          res.end();
          return;
        }
        res.setHeader('content-type', f.type);
        res.end(f.body);
      });
    },
  };
}

// Two projects: Node (every test/*.test.ts, as before) and headless Chromium (the browser IO
// handlers: IndexedDB, downloads, http; functional models on webgl, webgpu and gpu.js). `vitest run` runs both; `--project node` or
// `--project chromium` runs one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // CI runs every package's tests at once on 2 cores (the GPU backends' Chromium suites among
    // them), so a test that takes 10 s alone can take several times that there: the same
    // limits as the other packages. A limit catches a hang, not a slow machine.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        plugins: [modelFileServer()],
        // The GPU backends' dependencies, bundled before the first test (functional-backends.test.ts).
        optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl', 'gpu.js'] },
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          // WebGPU flags too: the functional API runs on every browser backend.
          browser: chromiumBrowserMode(playwright, { webgpu: true }),
        },
      },
    ],
  },
});
