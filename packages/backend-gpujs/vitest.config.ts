import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const conditions = ['@recurrent/source'];

/** Headless Chromium with WebGL2 through SwiftShader (no GPU needed); the flags CI uses. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

// Two projects: Node (modes webasm and cpu) and headless Chromium (mode webgl2). `vitest run`
// runs both; `vitest run --project node` or `--project chromium` runs one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/browser/*.test.ts'],
          // Reads the PyTorch fixture in Node (no node:fs in the browser) and provides it to the tests.
          globalSetup: ['test/browser/provide-fixture.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
