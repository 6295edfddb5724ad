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
 * The PyTorch reference files, each in the one format `recurrent-reference/1`: the main file,
 * and the hard-sigmoid cells, kept apart so that a reader which does not know a cell's
 * `recurrentActivation` field cannot run them with the wrong function (fixtures README).
 */
export const REFERENCE_FIXTURE_FILES = ['pytorch-reference.json', 'pytorch-reference-hard-sigmoid.json'] as const;

/**
 * Where a PyTorch reference fixture is (default: the main file). With $RECURRENT_FIXTURES set
 * (the main file's path), `file` is looked for beside it; else the first
 * `shared/fixtures/<file>` found walking up from `from` (default: the working directory).
 * The repository expects `shared/` beside its checkout, as CI lays it out.
 */
export function findReferenceFixture(from: string = process.cwd(), file: string = REFERENCE_FIXTURE_FILES[0]): string {
  const env = process.env.RECURRENT_FIXTURES;
  if (env) return file === REFERENCE_FIXTURE_FILES[0] ? env : join(dirname(env), file);
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', file);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new FixtureError(file, `not found in shared/fixtures/ above ${from}. Set RECURRENT_FIXTURES to the path of ${REFERENCE_FIXTURE_FILES[0]} (the others sit beside it).`);
    dir = parent;
  }
}

/** Every file of REFERENCE_FIXTURE_FILES, found as findReferenceFixture finds each. */
export const findReferenceFixtures = (from: string = process.cwd()): string[] => REFERENCE_FIXTURE_FILES.map((f) => findReferenceFixture(from, f));

/** Reads and validates every reference file (what a backend's conformance suite runs). */
export const loadReferenceFixtures = (from: string = process.cwd()): Promise<Fixture[]> => Promise.all(findReferenceFixtures(from).map((p) => loadFixtureFile(p)));

/** Each reference file's path and text, for a page that has no file system. */
export interface FixtureText {
  path: string;
  text: string;
}

/**
 * A browser test's vitest global setup in one call: reads every reference file in Node and
 * provides them to the page as `fixtures` (read there with `inject('fixtures')`). A missing file
 * fails the run here, with the FixtureError of findReferenceFixture.
 */
export async function provideReferenceFixtures(project: { provide(key: 'fixtures', value: FixtureText[]): void }): Promise<void> {
  const paths = findReferenceFixtures();
  project.provide('fixtures', await Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') }))));
}
