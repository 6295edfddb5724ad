import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@recurrent/source'] },
  ssr: { resolve: { conditions: ['@recurrent/source'] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // One browser at a time: the machine has two cores.
    fileParallelism: false,
  },
});
