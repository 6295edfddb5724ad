/**
 * `recurrent train / predict / generate`: the names job end to end on a small subset (spawned,
 * as `pnpm names` runs it), the other examples in-process, and bad flags (exit 2, one clear line).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './in-process.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recurrent-train-'));

function spawnRecurrent(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=@recurrent/source', '--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: cliDir,
    encoding: 'utf8',
    env: { ...process.env, RECURRENT_DEBUG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


/** The number printed after `label` in `text`, e.g. `P(female) = 0.731`. */
const numberAfter = (text: string, label: string): number => {
  const m = new RegExp(`${label.replace(/[()]/g, '\\$&')}\\s*=?\\s*(-?[\\d.]+)`).exec(text);
  if (!m) throw new Error(`no '${label}' in:\n${text}`);
  return Number(m[1]);
};

describe('recurrent train --example names (spawned)', () => {
  const out = join(dir, 'names');

  it('trains on a subset, reports accuracy and the baseline, saves, reloads and classifies', () => {
    const r = spawnRecurrent('train', '--example', 'names', '--epochs', '1', '--limit', '300', '--units', '8', '--out', out, 'Alice', 'Bob');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^epoch 1\/1 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d\.\d{4}/m);
    expect(r.stdout).toMatch(/^test accuracy \d+\.\d% vs majority class \((female|male)\) \d+\.\d%/m);
    expect(r.stdout).toContain(`saved to ${out}`);
    expect(r.stdout).toContain(`reloaded from ${out}:`);
    expect(r.stdout).toMatch(/^Alice {2}(female|male) +P\(female\) = [01]\.\d{3}$/m);
    expect(r.stdout).toMatch(/^Bob {4}(female|male) +P\(female\) = [01]\.\d{3}$/m);
    expect(r.stdout).toMatch(/^run time \d+(\.\d)? s \(training \d+(\.\d)? s\)$/m);
    const meta = JSON.parse(readFileSync(join(out, 'example.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'recurrent-example/1', example: 'names' });
    expect(meta.vocabulary.tokens.slice(0, 2)).toEqual(['<pad>', '<unk>']);
  });

  it('predict classifies with the saved model, the same as right after training', async () => {
    const first = readFileSync(join(out, 'example.json'), 'utf8');
    const r = await run('predict', '--model', out, 'Alice', 'Bob');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    const p = numberAfter(lines[0], 'P(female)');
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(lines[0].includes('female  ')).toBe(p >= 0.5);
    // Loading does not rewrite the model directory.
    expect(readFileSync(join(out, 'example.json'), 'utf8')).toBe(first);
  });

  it('predict rejects a word that is not a name, and generate rejects a classifier', async () => {
    const a = await run('predict', '--model', out, 'R2-D2');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/'R2-D2' is not a name/);
    const b = await run('generate', '--model', out);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/is a 'names' model, not a name generator: use recurrent predict/);
  });
});

describe('the other examples (in-process, tiny)', () => {
  it('weather: MAE vs persistence, then a forecast from a CSV file', async () => {
    const out = join(dir, 'weather');
    const r = await run('train', '--example', 'weather', '--epochs', '1', '--limit', '120', '--units', '4', '--window', '5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^test MAE \d+\.\d\d °C vs persistence \d+\.\d\d °C/m);
    const csv = join(dir, 'days.csv');
    const rows = ['date,precipitation,temp_max,temp_min,wind,weather'];
    for (let d = 1; d <= 6; d++) rows.push(`2016-01-0${d},0.0,${8 + d},2.0,3.0,sun`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const p = await run('predict', '--model', out, csv);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`^${csv.replace(/[.]/g, '\\.')}: max temperature the day after 2016-01-06: -?\\d+\\.\\d\\d °C$`));
    writeFileSync(csv, rows.slice(0, 3).join('\n'));
    const short = await run('predict', '--model', out, csv);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/2 days, but the model reads the last 5/);
  });

  it('stocks: mean absolute % error vs persistence for one symbol', async () => {
    const r = await run('train', '--example', 'stocks', '--symbol', 'IBM', '--epochs', '1', '--units', '4', '--out', join(dir, 'stocks'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^test mean absolute % error \d+\.\d\d% vs persistence \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^stocks\.csv: IBM {3}last 2010-03 \$\d+\.\d\d; next month forecast \$\d+\.\d\d/m);
  });

  it('generate: per-char loss vs unigram; recurrent generate samples --count names, the same for the same seed', async () => {
    const out = join(dir, 'generate');
    const r = await run('train', '--example', 'generate', '--epochs', '1', '--limit', '200', '--units', '8', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^validation loss \d\.\d{3} nats\/char vs unigram \d\.\d{3} nats\/char/m);
    const a = await run('generate', '--model', out, '--count', '4', '--seed', '3');
    expect(a.code).toBe(0);
    const names = a.stdout.split('\n')[1].split(', ');
    expect(names).toHaveLength(4);
    for (const n of names) expect(n).toMatch(/^[A-Z-][a-z-]*\*?$|^\*?$/);
    expect((await run('generate', '--model', out, '--count', '4', '--seed', '3')).stdout).toBe(a.stdout);
  });
});

describe('bad flags: exit 2 and one clear line', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--example', 'nope'], /^error: unknown example 'nope'\. Examples: names, weather, stocks, generate, digits, stress, g2p\.$/],
    [['train', '--cell', 'transformer'], /^error: unknown cell 'transformer': use simpleRnn, lstm or gru\.$/],
    [['train', '--epochs', '0'], /^error: --epochs must be a positive integer, got 0\.$/],
    [['train', '--units', '2.5'], /^error: --units must be a positive integer, got 2\.5\.$/],
    [['train', '--lr', '-1'], /^error: --lr must be positive, got -1\.$/],
    [['train', '--window', '3'], /^error: --window applies to the weather and stocks examples, not 'names'\.$/],
    [['train', '--example', 'stocks', '--symbol', 'TSLA', '--epochs', '1'], /^error: --symbol TSLA: stocks\.csv has MSFT, AMZN, IBM, GOOG, AAPL \(or use all\)\.$/],
    [['train', '--backend', 'quantum'], /^error: unknown backend 'quantum'\. Backends: /],
    [['train', '--epoch', '3'], /^error: unknown flag --epoch for 'train'\. Did you mean --epochs\?/],
    [['predict'], /^error: missing --model DIR/],
    [['predict', '--model', '/nonexistent/model'], /^error: \/nonexistent\/model\/example\.json: cannot read \(ENOENT\)/],
    [['generate', '--model', '/x', '--temperature', '-1'], /^error: --temperature must be a number >= 0, got -1\.$/],
    [['generate', '--model', '/x', '--count', '0'], /^error: --count must be a positive integer, got 0\.$/],
  ];
  for (const [argv, want] of cases)
    it(argv.join(' '), async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

  it('the train help lists every example with its defaults', async () => {
    const r = await run('train', '--help');
    expect(r.code).toBe(0);
    for (const n of ['names', 'weather', 'stocks', 'generate']) expect(r.stdout).toContain(`  ${n} `);
    expect(r.stdout).toContain('defaults: simpleRnn, 50 units');
    expect(existsSync(join(cliDir, 'models'))).toBe(false);
  });
});
