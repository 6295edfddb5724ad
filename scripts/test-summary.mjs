#!/usr/bin/env node
// Sums the vitest JSON reports every package's `test` script writes (test-results/vitest*.json)
// and prints one closing line, `tests: N passed, M failed`, for CI logs. Exits 1 if any test
// failed or if no report was found (a run that ran no test is not a pass). Failed tests are listed
// last, with the first lines of their messages, so that the tail of a CI log names them: turbo
// interleaves every package's output, and a failure printed mid-run is easily cut from the log.
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
const failures = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  for (const suite of r.testResults ?? []) {
    const where = suite.name ? suite.name.replace(root, '') : f;
    const bad = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of bad) failures.push({ where, name: t.fullName ?? t.title, message: (t.failureMessages ?? []).join('\n') });
    if (bad.length === 0 && suite.status === 'failed') failures.push({ where, name: '(the file itself)', message: suite.message ?? '' });
  }
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if ((r.numFailedTestSuites ?? 0) > 0 && (r.numFailedTests ?? 0) === 0) failed += r.numFailedTestSuites;
}
for (const { where, name, message } of failures) {
  console.log(`FAILED ${where} > ${name}`);
  for (const line of message.split('\n').slice(0, 12)) console.log(`    ${line}`);
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
