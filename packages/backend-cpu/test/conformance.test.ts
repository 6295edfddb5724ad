import { conformanceSuite } from '@recurrent/core/testing';
import { findReferenceFixture, loadFixtureFile } from '@recurrent/core/testing/node';
import { describe, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

// Float32 kernels: the fixture README's tolerances (forward 1e-5 + 1e-4 rel, gradients
// 1e-4 + 1e-3 rel, training runs 1e-4 + 1e-3 rel) are core's float32 defaults; no loosening.
conformanceSuite({ describe, it }, {
  name: 'cpu',
  create: () => createCpuBackend(),
  fixture: () => loadFixtureFile(findReferenceFixture()),
});
