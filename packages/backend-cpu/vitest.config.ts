import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@recurrent/source'] },
  ssr: { resolve: { conditions: ['@recurrent/source'] } },
  // Node 20 validates relaxed SIMD only behind a flag: with it the relaxed matmul is tested too.
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, execArgv: ['--experimental-wasm-relaxed-simd'] },
});
