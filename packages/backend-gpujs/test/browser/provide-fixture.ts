/**
 * Global setup of the Chromium project: runs in Node, reads the PyTorch reference fixtures
 * (outside the repository, see findReferenceFixtures) and hands their texts to the browser tests
 * through vitest's provide/inject.
 */
import { readFile } from 'node:fs/promises';
// A relative source import: global setup runs in Node outside the vite resolve conditions, so the
// package name would resolve to core's dist/, which a fresh clone has not built.
import { findReferenceFixtures } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    referenceFixtures: { path: string; text: string }[];
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const paths = findReferenceFixtures();
  project.provide('referenceFixtures', await Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') }))));
}
