/** The real executable, spawned the way `pnpm recurrent` runs it (source condition + tsx). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('..', import.meta.url));

function recurrent(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=@recurrent/source', '--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: cliDir,
    encoding: 'utf8',
    env: { ...process.env, RECURRENT_DEBUG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2 and exactly one line on stderr, starting `error: fixture <file>: `, with no stack. */
function expectFixtureFailure(r: ReturnType<typeof recurrent>, file: string, what: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(`error: fixture ${file}: `)).toBe(true);
  expect(lines[0]).toMatch(what);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('recurrent (spawned)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-cli-'));

  it('a missing fixture file: exit 2, one line, no stack', () => {
    expectFixtureFailure(recurrent('conformance', '--fixtures', '/nonexistent.json'), '/nonexistent.json', /no such file/);
  });

  it('a fixture that is not JSON: exit 2 with the parser message', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"format": "recurrent-reference/1", "cells": [');
    expectFixtureFailure(recurrent('conformance', '--fixtures', file), file, /invalid JSON: /);
  });

  it('a fixture with a wrong shape: exit 2 naming the tensor', () => {
    const file = join(dir, 'wrong-shape.json');
    const zeros = (...shape: number[]) => ({ shape, data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0) });
    const cell = {
      name: 'rnn',
      cell: 'simple_rnn',
      batch: 1,
      steps: 1,
      inputSize: 2,
      units: 3,
      params: { W_x: zeros(2, 3), W_h: zeros(3, 2), b_x: zeros(3), b_h: zeros(3) },
    };
    writeFileSync(file, JSON.stringify({ format: 'recurrent-reference/1', cells: [cell] }));
    expectFixtureFailure(recurrent('conformance', '--fixtures', file), file, /cells\[0\]\.params\.W_h: shape \[3, 2\] does not match units 3/);
  });

  it('--help and --version', () => {
    const h = recurrent('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('conformance');
    const v = recurrent('--version');
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown flag: exit 2 listing the valid flags', () => {
    const r = recurrent('conformance', '--fixturs', 'x.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown flag --fixturs for 'conformance'\. Did you mean --fixtures\? Valid flags: /);
  });
});
