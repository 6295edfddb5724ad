import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumBrowserMode } from '../core/src/testing/chromium.js';

const conditions = ['@recurrent/source'];

// Two projects: Node (modes webasm and cpu) and headless Chromium (mode webgl2). `vitest run`
// runs both; `vitest run --project node` or `--project chromium` runs one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // Generous: gpu.js webasm runs the finite-difference checks in JavaScript (2 minutes on a loaded 2-core machine).
    testTimeout: 600_000,
    hookTimeout: 300_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          // Reads the PyTorch fixture in Node (no node:fs in the browser) and provides it to the tests.
          globalSetup: ['test/browser/provide-fixture.ts'],
          browser: chromiumBrowserMode(playwright),
        },
      },
    ],
  },
});
