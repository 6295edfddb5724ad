/** Node-only testing helpers: `@recurrent/core/testing/node`. */
import { readFile } from 'node:fs/promises';
import { findReferenceFixtures } from './fixture-file.js';

export { findReferenceFixture, findReferenceFixtures, loadFixtureFile, loadReferenceFixtures, REFERENCE_FIXTURE_FILES } from './fixture-file.js';

/** Every reference file's path and text, for a browser test's global setup to provide to the page. */
export async function readReferenceFixtures(): Promise<{ path: string; text: string }[]> {
  return Promise.all(findReferenceFixtures().map(async (path) => ({ path, text: await readFile(path, 'utf8') })));
}
