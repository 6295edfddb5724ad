/** The two commands the README promises, spawned for real on the CPU backend. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findReferenceFixture, REFERENCE_FIXTURE_FILES } from '@recurrent/core/testing/node';
import { expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const recurrent = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--conditions=@recurrent/source', '--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: cliDir,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

it('conformance --backend cpu passes every case of the PyTorch fixture and says so on its last line', () => {
  const r = recurrent('conformance', '--backend', 'cpu', '--fixtures', findReferenceFixture());
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const last = r.stdout.trimEnd().split('\n').at(-1);
  expect(last).toMatch(/^(\d+) passed, 0 failed$/);
  expect(Number(last!.split(' ')[0])).toBeGreaterThanOrEqual(20);
  for (const section of ['cells', 'losses', 'optimizers', 'training']) expect(r.stdout).toContain(section);
});

it('conformance runs the hard-sigmoid reference cells (a second file in the same format) on the fused CPU kernels', () => {
  const r = recurrent('conformance', '--backend', 'cpu', '--fixtures', findReferenceFixture(undefined, REFERENCE_FIXTURE_FILES[1]));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/\(fused kernels\)/);
  for (const kind of ['lstm_hard_sigmoid_keras2', 'lstm_hard_sigmoid_keras3', 'gru_hard_sigmoid_keras2', 'gru_hard_sigmoid_keras3', 'gru_reset_before_hard_sigmoid_keras2'])
    expect(r.stdout).toContain(kind);
  expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
});

it('conformance --json gives a machine-readable report with every case passing', () => {
  const r = recurrent('conformance', '--backend', 'cpu', '--json', '--fixtures', findReferenceFixture());
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { backend: string; pass: boolean; cases: { pass: boolean }[] };
  expect(report.backend).toBe('cpu');
  expect(report.pass).toBe(true);
  expect(report.cases.every((c) => c.pass)).toBe(true);
});

it('demo trains and the validation loss falls well below the untrained loss', () => {
  const r = recurrent('demo', '--epochs', '3', '--samples', '1024');
  expect(r.code).toBe(0);
  const m = r.stdout.match(/validation loss ([\d.]+) \(untrained\) -> ([\d.]+); accuracy ([\d.]+)%/);
  expect(m, r.stdout).not.toBeNull();
  const [before, after, acc] = [Number(m![1]), Number(m![2]), Number(m![3])];
  expect(after).toBeLessThan(before * 0.75);
  expect(acc).toBeGreaterThan(70);
  expect(r.stdout.match(/^epoch /gm)).toHaveLength(3);
});
