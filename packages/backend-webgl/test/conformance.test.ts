import { conformanceSuite, parseFixture } from '@recurrent/core/testing';
import { describe, inject, it } from 'vitest';
import { createWebglBackend } from '../src/index.js';

// Float32 textures on WebGL2 (SwiftShader here, a GPU elsewhere). Tolerances: core's float32
// defaults, the fixture README's (forward 1e-5 + 1e-4 rel, gradients 1e-4 + 1e-3 rel, training
// runs 1e-4 + 1e-3 rel), no loosening.
conformanceSuite({ describe, it }, {
  name: 'webgl',
  create: () => createWebglBackend(),
  fixture: () => inject('fixtures').map(({ path, text }) => parseFixture(JSON.parse(text), path)),
});

