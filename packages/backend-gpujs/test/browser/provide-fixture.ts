/**
 * Global setup of the Chromium project: runs in Node, reads the PyTorch reference fixture
 * (outside the repository, see findReferenceFixture) and hands its text to the browser tests
 * through vitest's provide/inject.
 */
import { readFile } from 'node:fs/promises';
// A relative source import: global setup runs in Node outside the vite resolve conditions, so the
// package name would resolve to core's dist/, which a fresh clone has not built.
import { findReferenceFixture } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    referenceFixture: { path: string; text: string };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const path = findReferenceFixture();
  project.provide('referenceFixture', { path, text: await readFile(path, 'utf8') });
}
