import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import { conformanceSuite, createReferenceBackend } from '../src/testing/index.js';
import { loadReferenceFixtures } from '../src/testing/node.js';

// The float64 reference backend runs the same suite as every other backend (with no fused
// kernels both modes exercise the fallbacks), at float64 tolerances.
conformanceSuite({ describe, it }, { name: 'reference', create: createReferenceBackend, fixture: () => loadReferenceFixtures() });

describe('the suite proves the fused kernels ran', () => {
  it('fails a fused run in which a kernel declined its attributes and core ran the fallback, though every value is right', async () => {
    const tests = new Map<string, () => void | Promise<void>>();
    const api = { describe: (_: string, fn: () => void) => fn(), it: (name: string, fn: () => void | Promise<void>) => void tests.set(name, fn) };
    const create = () => {
      const ref = createReferenceBackend();
      const viaFallback: Backend['fused'] = {
        // A backend that lists an lstmCell kernel which declines every call: the answers stay right (core's fallback).
        lstmCell: () => null,
      };
      return { ...ref, name: 'declining', fused: viaFallback };
    };
    conformanceSuite(api, { name: 'declining', create, fixture: () => loadReferenceFixtures() });
    const fused = tests.get('every case of the PyTorch fixtures (fused kernels)')!;
    await expect(fused()).rejects.toThrow(/lstmCell ran core's fallback \d+ of \d+ times \(\d+ declined\)/);
    await tests.get('every case of the PyTorch fixtures (primitive fallbacks)')!();
  });
});
