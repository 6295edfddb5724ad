/**
 * Reading a fixture from disk. Node only (node:fs), so it lives apart from fixture-format.ts
 * and is exported from `@recurrent/core/testing/node`, keeping the browser build of
 * `@recurrent/core/testing` free of Node imports.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/**
 * Where the PyTorch reference fixture is: $RECURRENT_FIXTURES if set, else the first
 * `shared/fixtures/pytorch-reference.json` found walking up from `from` (default: the working
 * directory). The repository expects `shared/` beside its checkout, as CI lays it out.
 */
export function findReferenceFixture(from: string = process.cwd()): string {
  const env = process.env.RECURRENT_FIXTURES;
  if (env) return env;
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', 'pytorch-reference.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new FixtureError(
        'pytorch-reference.json',
        `not found in shared/fixtures/ above ${from}. Set RECURRENT_FIXTURES to the file's path.`,
      );
    dir = parent;
  }
}
