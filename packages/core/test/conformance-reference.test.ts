import { describe, it } from 'vitest';
import { conformanceSuite, createReferenceBackend } from '../src/testing/index.js';
import { findReferenceFixture, loadFixtureFile } from '../src/testing/node.js';

const FIXTURE = findReferenceFixture();

// The float64 reference backend runs the same suite as every other backend (with no fused
// kernels both modes exercise the fallbacks), at float64 tolerances.
conformanceSuite({ describe, it }, { name: 'reference', create: createReferenceBackend, fixture: () => loadFixtureFile(FIXTURE) });
