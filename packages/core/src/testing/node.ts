/** Node-only testing helpers: `@recurrent/core/testing/node`. */
import { readFile } from 'node:fs/promises';
import { findReferenceFixture } from './fixture-file.js';

export { findReferenceFixture, loadFixtureFile } from './fixture-file.js';

/** The reference fixture's path and text, for a browser test's global setup to provide to the page. */
export async function readReferenceFixture(): Promise<{ path: string; text: string }> {
  const path = findReferenceFixture();
  return { path, text: await readFile(path, 'utf8') };
}
