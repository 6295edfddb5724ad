/**
 * Runs in Node before the browser tests: reads the PyTorch reference fixtures (outside the repo,
 * found like every other package finds them: the main file and the hard-sigmoid cells) and
 * provides their texts to the page, which has no file system. A missing fixture fails the run here, with core's FixtureError message.
 */
import { readFile } from 'node:fs/promises';
// A relative source import: global setup runs in Node outside the vite resolve conditions, so the
// package name would resolve to core's dist/, which a fresh clone has not built.
import { findReferenceFixtures } from '../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: { path: string; text: string }[];
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const paths = findReferenceFixtures();
  project.provide('fixtures', await Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') }))));
}
