/**
 * Runs in Node before the browser tests: reads the PyTorch reference fixture and provides it to
 * the page, which has no file system. A missing fixture fails the run here (core's FixtureError).
 */
// A relative source import: global setup runs in Node outside the vite resolve conditions.
import { readReferenceFixture } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cpuFixture: { path: string; text: string };
  }
}

export default async (project: TestProject) => project.provide('cpuFixture', await readReferenceFixture());
