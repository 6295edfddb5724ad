/**
 * Manual check that the backend runs in a browser (not part of `vitest run`; it needs Chromium):
 * serves fixture-page.ts through the CLI's headless-Chromium runner and prints its report.
 *
 *   node --conditions=@recurrent/source --import tsx test/browser/run.ts
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { findReferenceFixtures } from '@recurrent/core/testing/node';

// The CLI's runner (vite + playwright-core + the system Chromium), from its source; imported by
// a computed path so this package's typecheck does not depend on the CLI's internals.
const cliBrowser = '../../../cli/src/browser.js';
const { findChromium, runInBrowser } = (await import(cliBrowser)) as {
  findChromium(explicit: string | undefined, env: NodeJS.ProcessEnv): string;
  runInBrowser(opts: Record<string, unknown>): Promise<unknown>;
};

const result = await runInBrowser({
  module: fileURLToPath(new URL('./fixture-page.ts', import.meta.url)),
  root: fileURLToPath(new URL('../..', import.meta.url)),
  browserPath: findChromium(undefined, process.env),
  arg: { fixtures: await Promise.all(findReferenceFixtures().map(async (path) => ({ path, text: await readFile(path, 'utf8') }))) },
  onConsole: (type: string, text: string) => console.error(`[page ${type}] ${text}`),
});
console.log(JSON.stringify(result, null, 2));
