#!/usr/bin/env node
// Sums the vitest JSON reports every package's `test` script writes (test-results/vitest*.json)
// and prints one closing line, `tests: N passed, M failed`, for CI logs. Exits 1 if any test
// failed or if no report was found (a run that ran no test is not a pass).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const files = [];
for (const group of ['packages', 'apps', '.']) {
  const base = join(root, group);
  const dirs = group === '.' ? ['bench'] : existsSync(base) ? readdirSync(base) : [];
  for (const d of dirs) {
    const dir = join(base, d, 'test-results');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/^vitest.*\.json$/.test(f)) files.push(join(dir, f));
  }
}
for (const f of files) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if ((r.numFailedTestSuites ?? 0) > 0 && (r.numFailedTests ?? 0) === 0) failed += r.numFailedTestSuites;
}
console.log(`${files.length} test reports`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
// scripts/packed-install.mjs (run by .ci/run after the tests) leaves its result here.
const packedFile = join(root, 'test-results', 'packed-install.json');
let packedOk = !process.argv.includes('--require-packed-install');
if (existsSync(packedFile)) {
  const r = JSON.parse(readFileSync(packedFile, 'utf8'));
  packedOk = r.ok === true;
  console.log(`packed install: ${r.ok ? 'passed' : 'FAILED'} in ${Math.round(r.seconds)} s (${r.steps.length} steps)${r.ok ? '' : `: ${String(r.error).split('\n')[0]}`}`);
} else if (!packedOk) console.log('packed install: FAILED: no test-results/packed-install.json (scripts/packed-install.mjs did not run)');
process.exit(failed > 0 || files.length === 0 || passed === 0 || !packedOk ? 1 : 0);
