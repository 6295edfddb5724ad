/**
 * Runs in Node before the browser tests: reads the PyTorch reference fixture (found like every
 * other package finds it) and provides its text to the page, which has no file system. A missing
 * fixture fails the run here, with core's FixtureError message.
 */
import { readFile } from 'node:fs/promises';
// A relative source import: global setup runs in Node outside the vite resolve conditions.
import { findReferenceFixture } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fixturePath: string;
    fixtureText: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const path = findReferenceFixture();
  project.provide('fixturePath', path);
  project.provide('fixtureText', await readFile(path, 'utf8'));
}
