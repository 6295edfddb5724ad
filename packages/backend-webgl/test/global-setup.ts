/**
 * Runs in Node before the browser tests: provides the PyTorch reference fixtures (the main file
 * and the hard-sigmoid cells, outside the repo) to the page, which has no file system. A missing
 * fixture fails the run here, with core's FixtureError message.
 */
// A relative source import: global setup runs in Node outside the vite resolve conditions, so the
// package name would resolve to core's dist/, which a fresh clone has not built.
import { type FixtureText, provideReferenceFixtures } from '../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: FixtureText[];
  }
}

export default (project: TestProject): Promise<void> => provideReferenceFixtures(project);
