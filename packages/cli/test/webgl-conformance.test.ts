/**
 * `recurrent conformance --backend webgl` and `--backend webgpu`, spawned for real: each launches
 * the system's headless Chromium (WebGL2 / WebGPU; SwiftShader on machines without a GPU), runs
 * every case of the PyTorch fixture in the page and prints the report in Node. And without a Chromium: exit 2, one line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findReferenceFixture } from '@recurrent/core/testing/node';
import { parseFixture } from '@recurrent/core/testing';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const argv = (...args: string[]) => ['--conditions=@recurrent/source', '--import', 'tsx', 'src/bin.ts', ...args];

it('no Chromium (CHROMIUM_PATH=/nonexistent): exit 2 and one line saying what to do', () => {
  const r = spawnSync(process.execPath, argv('conformance', '--backend', 'webgl', '--fixtures', findReferenceFixture()), {
    cwd: cliDir,
    encoding: 'utf8',
    env: { ...process.env, CHROMIUM_PATH: '/nonexistent', RECURRENT_DEBUG: '' },
  });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const [first] = r.stderr.trimEnd().split('\n');
  expect(first).toBe("error: CHROMIUM_PATH is '/nonexistent', which is not an executable file. Pass the path of a Chromium or Chrome binary.");
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

it('--browser pointing at a missing file is the same exit 2', () => {
  const r = spawnSync(process.execPath, argv('conformance', '--backend', 'webgl', '--browser', '/no/chrome', '--fixtures', findReferenceFixture()), {
    cwd: cliDir,
    encoding: 'utf8',
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^error: --browser is '\/no\/chrome', which is not an executable file/);
});

// The page says where it ran: WebGL 2, or WebGPU on an adapter, in a headless Chromium.
const RAN_ON = { webgl: /^webgl: HeadlessChrome\/[\d.]+, WebGL 2\.0/, webgpu: /^webgpu: HeadlessChrome\/[\d.]+, WebGPU, adapter \S+/ };

it.each(['webgl', 'webgpu'] as const)('%s: passes every case of the PyTorch fixture in headless Chromium (--json)', async (backend) => {
  const fixturePath = findReferenceFixture();
  const fixture = parseFixture(JSON.parse(readFileSync(fixturePath, 'utf8')), fixturePath);
  const child = spawn(process.execPath, argv('conformance', '--backend', backend, '--json', '--fixtures', fixturePath), { cwd: cliDir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, stderr).toBe(0);
  expect(stderr).toMatch(RAN_ON[backend]);
  const report = JSON.parse(stdout) as { backend: string; pass: boolean; cases: { pass: boolean; section: string }[] };
  expect(report.backend).toBe(backend);
  expect(report.pass).toBe(true);
  const total = fixture.cells.length + fixture.losses.length + fixture.optimizers.length + fixture.training.length;
  expect(report.cases).toHaveLength(total);
  expect(report.cases.every((c) => c.pass)).toBe(true);
}, 240_000);
