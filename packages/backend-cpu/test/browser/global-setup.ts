/**
 * Runs in Node before the browser tests: reads the PyTorch reference files and provides them to
 * the page, which has no file system. A missing fixture fails the run here (core's FixtureError).
 */
// A relative source import: global setup runs in Node outside the vite resolve conditions.
import { readReferenceFixtures } from '../../../core/src/testing/node.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cpuFixtures: { path: string; text: string }[];
  }
}

export default async (project: TestProject) => project.provide('cpuFixtures', await readReferenceFixtures());
