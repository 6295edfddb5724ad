import { conformanceSuite } from '@recurrent/core/testing';
import { loadReferenceFixtures } from '@recurrent/core/testing/node';
import { describe, it } from 'vitest';
import { createCpuBackendWith as createCpuBackend } from '../src/backend.js';

// Float32 kernels: the fixture README's tolerances (forward 1e-5 + 1e-4 rel, gradients
// 1e-4 + 1e-3 rel, training runs 1e-4 + 1e-3 rel) are core's float32 defaults; no loosening,
// for both kernel sets. The SIMD run uses a heap that starts at one 64 KiB page (it grows
// many times during the suite) and fills reused blocks with NaN. The threaded run splits every
// matmul and Adam update it can (parallelMin 0) across 2 threads over a shared heap.
conformanceSuite({ describe, it }, {
  name: 'cpu (wasm SIMD)',
  create: () => createCpuBackend({ simd: true, threads: 1, heap: { initialPages: 1, poison: true } }),
  fixture: () => loadReferenceFixtures(),
});

conformanceSuite({ describe, it }, {
  name: 'cpu (wasm SIMD, 2 threads)',
  create: () => createCpuBackend({ simd: true, threads: 2, parallelMin: { matmulFlops: 0, adamElements: 0 }, heap: { initialPages: 1, poison: true } }),
  fixture: () => loadReferenceFixtures(),
});

conformanceSuite({ describe, it }, {
  name: 'cpu (TypeScript)',
  create: () => createCpuBackend({ simd: false }),
  fixture: () => loadReferenceFixtures(),
});
