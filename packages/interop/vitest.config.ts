import { defineConfig } from 'vitest/config';

const conditions = ['@recurrent/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 120_000,
    include: ['test/*.test.ts'],
  },
});
