/**
 * Reading a fixture from disk. Node only (node:fs), so it lives apart from fixture-format.ts
 * and is exported from `@recurrent/core/testing/node`, keeping the browser build of
 * `@recurrent/core/testing` free of Node imports.
 */
import { readFile } from 'node:fs/promises';
import { FixtureError } from '../errors.js';
import { parseFixture, type Fixture } from './fixture-format.js';

/**
 * Reads, parses and validates a `recurrent-reference/1` JSON file. Every failure (missing
 * file, invalid JSON, a format problem) is a FixtureError whose message starts with
 * `fixture <path>:`.
 */
export async function loadFixtureFile(path: string): Promise<Fixture> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `cannot be read (${(e as Error).message})`;
    throw new FixtureError(path, `${why}. Pass the path of a recurrent-reference/1 JSON file.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new FixtureError(path, `invalid JSON: ${(e as Error).message}`);
  }
  return parseFixture(json, path);
}
