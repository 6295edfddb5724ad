import { conformanceSuite } from '@recurrent/core/testing';
import { loadReferenceFixtures } from '@recurrent/core/testing/node';
import { describe, it } from 'vitest';
import { createCpuBackendWith as createCpuBackend, relaxedSimdSupported } from '../src/backend.js';
import { SPLIT_ALL } from '../src/internal/wasm/kernels.js';

// vitest.config.ts runs the tests with --experimental-wasm-relaxed-simd, so Node 20 has relaxed SIMD here.
if (!relaxedSimdSupported()) {
  if (process.env.CI) throw new Error('relaxed SIMD is missing: the relaxed matmul cannot be tested (vitest.config.ts passes --experimental-wasm-relaxed-simd)');
  console.log('note: this runtime has no WebAssembly relaxed SIMD; the relaxed-SIMD conformance runs use the plain SIMD matmul');
}

// Float32 kernels: the fixture README's tolerances (forward 1e-5 + 1e-4 rel, gradients
// 1e-4 + 1e-3 rel, training runs 1e-4 + 1e-3 rel) are core's float32 defaults; no loosening,
// for both kernel sets. The SIMD run uses a heap that starts at one 64 KiB page (it grows
// many times during the suite) and fills reused blocks with NaN. The threaded run splits every
// matmul and Adam update it can (parallelMin 0) across 2 threads over a shared heap. The SIMD
// matmul runs with f32x4.mul + add (`relaxed: false`) and with relaxed SIMD's multiply-add.
conformanceSuite({ describe, it }, {
  name: 'cpu (wasm SIMD)',
  create: () => createCpuBackend({ simd: true, threads: 1, relaxed: false, heap: { initialPages: 1, poison: true } }),
  fixture: () => loadReferenceFixtures(),
});

conformanceSuite({ describe, it }, {
  name: 'cpu (wasm relaxed SIMD)',
  create: () => createCpuBackend({ simd: true, threads: 1, relaxed: relaxedSimdSupported(), heap: { initialPages: 1, poison: true } }),
  fixture: () => loadReferenceFixtures(),
});

conformanceSuite({ describe, it }, {
  name: 'cpu (wasm relaxed SIMD, 2 threads)',
  create: () => createCpuBackend({ simd: true, threads: 2, relaxed: relaxedSimdSupported(), parallelMin: SPLIT_ALL, heap: { initialPages: 1, poison: true } }),
  fixture: () => loadReferenceFixtures(),
});

conformanceSuite({ describe, it }, {
  name: 'cpu (TypeScript)',
  create: () => createCpuBackend({ simd: false }),
  fixture: () => loadReferenceFixtures(),
});
