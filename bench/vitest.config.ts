import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@recurrent/source'] },
  ssr: { resolve: { conditions: ['@recurrent/source'] } },
  // Data generation for the big workloads takes seconds on a loaded 2-core machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
