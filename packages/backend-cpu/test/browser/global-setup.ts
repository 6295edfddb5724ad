/**
 * Runs in Node before the browser tests: provides the PyTorch reference files (the main file and
 * the hard-sigmoid cells) to the page, which has no file system. A missing fixture fails the run
 * here (core's FixtureError).
 */
// A relative source import: global setup runs in Node outside the vite resolve conditions.
import { type FixtureText, provideReferenceFixtures } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: FixtureText[];
  }
}

export default (project: TestProject): Promise<void> => provideReferenceFixtures(project);
