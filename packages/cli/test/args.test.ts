import { describe, expect, it } from 'vitest';
import { formatFlagHelp, parseArgs, suggest, UsageError } from '../src/args.js';

const specs = {
  backend: { type: 'string', value: 'NAME', default: 'cpu', description: 'the backend' },
  fixtures: { type: 'string', value: 'FILE', required: true, description: 'a fixture file' },
  json: { type: 'boolean', description: 'print JSON' },
  'no-fused': { type: 'boolean', description: 'no fused kernels' },
  lr: { type: 'number', value: 'X', description: 'learning rate' },
} as const;

function usageError(argv: string[]): UsageError {
  try {
    parseArgs('conformance', argv, specs);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error(`parseArgs(${argv.join(' ')}) did not throw`);
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, booleans and defaults', () => {
    const { flags, positionals } = parseArgs('conformance', ['--fixtures', 'a.json', '--json', '--lr=-0.5'], specs);
    expect(flags).toEqual({ backend: 'cpu', fixtures: 'a.json', json: true, 'no-fused': false, lr: -0.5, help: false, debug: false });
    expect(positionals).toEqual([]);
    const b = parseArgs('conformance', ['--backend=reference', '--fixtures=x=y.json', '--no-fused', '--json=false', '--lr', '-1e-3'], specs);
    expect(b.flags).toMatchObject({ backend: 'reference', fixtures: 'x=y.json', 'no-fused': true, json: false, lr: -1e-3 });
  });

  it('types the result from the declaration', () => {
    const { flags } = parseArgs('conformance', ['--fixtures', 'a.json'], specs);
    const backend: string = flags.backend; // has a default: string
    const fixtures: string = flags.fixtures; // required: string
    const lr: number | undefined = flags.lr;
    const json: boolean = flags.json;
    expect([backend, fixtures, lr, json]).toEqual(['cpu', 'a.json', undefined, false]);
  });

  it('the last of a repeated flag wins; -- ends the flags', () => {
    const { flags, positionals } = parseArgs('conformance', ['--fixtures', 'a', '--fixtures', 'b', '--', '--json'], specs);
    expect(flags.fixtures).toBe('b');
    expect(flags.json).toBe(false);
    expect(positionals).toEqual(['--json']);
  });

  it('--help and -h win over every other problem', () => {
    expect(parseArgs('conformance', ['--bogus', '--help'], specs).flags.help).toBe(true);
    expect(parseArgs('conformance', ['-h'], specs).flags.help).toBe(true);
  });

  it('an unknown flag lists the valid ones and suggests the closest', () => {
    const e = usageError(['--fixture', 'a.json']);
    expect(e.message).toBe(
      "unknown flag --fixture for 'conformance'. Did you mean --fixtures? " +
        'Valid flags: --backend, --fixtures, --json, --no-fused, --lr, --help, --debug.',
    );
    expect(e.command).toBe('conformance');
    expect(usageError(['--zzzzzz']).message).not.toMatch(/Did you mean/);
    expect(usageError(['-x']).message).toMatch(/^unknown flag -x for 'conformance'/);
    expect(usageError(['--fixtures=a', '--json=maybe']).message).toMatch(/--json is a switch/);
  });

  it('missing values, bad numbers and missing required flags', () => {
    expect(usageError(['--fixtures']).message).toBe('--fixtures needs a value: --fixtures FILE.');
    expect(usageError(['--fixtures', '--json']).message).toMatch(/--fixtures needs a value/);
    expect(usageError(['--fixtures=']).message).toMatch(/needs a non-empty value/);
    expect(usageError(['--fixtures', 'a', '--lr', 'fast']).message).toBe("--lr wants a number, got 'fast'.");
    expect(usageError(['--json']).message).toBe('missing --fixtures FILE (a fixture file).');
  });

  it('collects positionals for the command to judge', () => {
    expect(parseArgs('conformance', ['extra', '--fixtures', 'a'], specs).positionals).toEqual(['extra']);
  });
});

describe('help and suggestions', () => {
  it('formats the flags from the same declaration', () => {
    const help = formatFlagHelp(specs);
    expect(help).toContain('--backend NAME   the backend (default: cpu)');
    expect(help).toContain('--fixtures FILE  a fixture file (required)');
    expect(help).toContain('-h, --help');
    expect(help).toContain('--debug');
  });

  it('suggests only near misses', () => {
    expect(suggest('conformace', ['conformance', 'help'])).toBe('conformance');
    expect(suggest('xyz', ['conformance', 'help'])).toBeUndefined();
  });
});
