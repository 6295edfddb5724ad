import { FixtureError, InputError } from '@recurrent/core';
import { createReferenceBackend, type Fixture, type FixtureReport } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { runCli, type Command, type Io } from '../src/cli.js';
import { createConformanceCommand, type ConformanceDeps } from '../src/commands/conformance.js';

/** Captures what the CLI writes. */
function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(...t.split('\n')), err: (t) => void err.push(...t.split('\n')), env };
  return { io, out, err };
}

const fixture = { format: 'recurrent-reference/1', source: 'f.json', cells: [], losses: [], optimizers: [], training: [] } as unknown as Fixture;
const passing: FixtureReport = {
  backend: 'reference',
  source: 'f.json',
  pass: true,
  cases: [{ section: 'losses', name: 'mse', pass: true, checks: [{ quantity: 'value', maxAbs: 0, maxRel: 0, atol: 1e-5, rtol: 1e-4, pass: true, worstIndex: 0 }] }],
};
const failing: FixtureReport = { ...passing, pass: false, cases: [...passing.cases, { section: 'cells', name: 'lstm', pass: false, checks: [], error: 'boom' }] };

/** The CLI with conformance on fake dependencies; records what the command asked for. */
function cli(over: Partial<ConformanceDeps> = {}) {
  const calls: { fixture?: string; backend?: string; useFused?: boolean; filter?: string } = {};
  const deps: ConformanceDeps = {
    loadFixture: async (p) => ((calls.fixture = p), fixture),
    createBackend: async (name) => ((calls.backend = name), createReferenceBackend()),
    runFixture: async (engine, _f, opts) => ((calls.useFused = engine.useFused), (calls.filter = opts.filter), passing),
    ...over,
  };
  const commands: Command[] = [createConformanceCommand(deps)];
  return { calls, run: (argv: string[], env?: Record<string, string>) => {
    const c = capture(env);
    return runCli(argv, { commands, version: '1.2.3', io: c.io }).then((code) => ({ code, out: c.out, err: c.err }));
  } };
}

describe('recurrent conformance (in-process)', () => {
  it('runs the fixture and exits 0 when every case passes', async () => {
    const { run, calls } = cli();
    const r = await run(['conformance', '--fixtures', 'f.json']);
    expect(r.code).toBe(0);
    expect(calls).toEqual({ fixture: 'f.json', backend: 'cpu', useFused: true, filter: undefined });
    expect(r.out[0]).toBe('recurrent conformance: backend reference (no fused kernels), fixture f.json');
    expect(r.out[r.out.length - 1]).toBe('1 passed, 0 failed');
    expect(r.err).toEqual([]);
  });

  it('passes --backend, --no-fused and --filter through', async () => {
    const { run, calls } = cli();
    const r = await run(['conformance', '--backend=reference', '--fixtures', 'f.json', '--no-fused', '--filter', 'ms']);
    expect(r.code).toBe(0);
    expect(calls).toEqual({ fixture: 'f.json', backend: 'reference', useFused: false, filter: 'ms' });
    expect(r.out[0]).toContain('(primitive fallbacks)');
  });

  it('exits 1 when a case fails', async () => {
    const r = await cli({ runFixture: async () => failing }).run(['conformance', '--fixtures', 'f.json']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('    error: boom');
    expect(r.out[r.out.length - 1]).toBe('1 passed, 1 failed');
  });

  it('--json prints the report as JSON', async () => {
    const r = await cli({ runFixture: async () => failing }).run(['conformance', '--fixtures', 'f.json', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.join('\n'))).toEqual(failing);
  });

  it('rejects an unknown backend with exit 2 before reading the fixture, listing the backends', async () => {
    const { run, calls } = cli();
    const r = await run(['conformance', '--backend', 'tpu', '--fixtures', 'f.json']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^error: unknown backend 'tpu'. Backends: cpu, reference, webgl, webgpu, gpujs\.$/);
    expect(calls.fixture).toBeUndefined();
  });

  it('a FixtureError is one line with its code, exit 2', async () => {
    const r = await cli({ loadFixture: async () => { throw new FixtureError('bad.json', 'cells[0].units: missing'); } }).run(['conformance', '--fixtures', 'bad.json']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['error: fixture bad.json: cells[0].units: missing (E_FIXTURE)']);
    expect(r.out).toEqual([]);
  });

  it('any RecurrentError prints message and code; the stack only with --debug', async () => {
    const throwing = cli({ runFixture: async () => { throw new InputError('x: NaN at 3'); } });
    const r = await throwing.run(['conformance', '--fixtures', 'f.json']);
    expect([r.code, r.err]).toEqual([2, ['error: x: NaN at 3 (E_INPUT)']]);
    const d = await throwing.run(['conformance', '--fixtures', 'f.json', '--debug']);
    expect(d.err[1]).toMatch(/^InputError: x: NaN at 3/);
    expect(d.err.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it('an unexpected error is a short message and exit 3; stack with RECURRENT_DEBUG=1', async () => {
    const buggy = cli({ runFixture: async () => { throw new TypeError('x is not a function'); } });
    const r = await buggy.run(['conformance', '--fixtures', 'f.json']);
    expect(r.code).toBe(3);
    expect(r.err).toEqual(['error: unexpected TypeError: x is not a function (run with --debug or RECURRENT_DEBUG=1 for the stack trace)']);
    const d = await buggy.run(['conformance', '--fixtures', 'f.json'], { RECURRENT_DEBUG: '1' });
    expect(d.code).toBe(3);
    expect(d.err.length).toBeGreaterThan(2);
  });

  it('--filter matching nothing is a usage error, not a vacuous pass', async () => {
    const r = await cli({ runFixture: async () => ({ ...passing, cases: [] }) }).run(['conformance', '--fixtures', 'f.json', '--filter', 'zzz']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe("error: no case of f.json has 'zzz' in its name.");
  });
});

describe('recurrent (dispatch)', () => {
  const { run } = cli();

  it('--help, help and help <command> list commands and flags', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out.join('\n')).toMatch(/Commands:\n {2}conformance {2}check a backend/);
    }
    const c = await run(['help', 'conformance']);
    expect(c.out.join('\n')).toMatch(/Usage: recurrent conformance --fixtures FILE/);
    const d = await run(['conformance', '--help']);
    expect(d.out).toEqual(c.out);
    expect(d.out.join('\n')).toContain('--no-fused');
  });

  it('--version prints the version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, out: ['1.2.3'], err: [] });
  });

  it('no command, an unknown command or an unknown top-level flag exits 2', async () => {
    expect((await run([])).code).toBe(2);
    const u = await run(['conformace']);
    expect(u.code).toBe(2);
    expect(u.err[0]).toBe("error: unknown command 'conformace'. Did you mean 'conformance'? Commands: conformance, help.");
    expect((await run(['--verbose'])).code).toBe(2);
  });

  it('an unknown flag exits 2 listing the valid flags', async () => {
    const r = await run(['conformance', '--fixture', 'f.json']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/Valid flags: --backend, --fixtures, --json, --no-fused, --filter, --browser, --gpu, --mode, --help, --debug\.$/);
  });
});
