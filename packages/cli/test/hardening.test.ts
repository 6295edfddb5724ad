/**
 * The command line against mistakes and damaged files: --out checked before training (and
 * --force to replace another example's model), example.json validated like model.json, predict
 * on a model whose optimizer state is unusable, and a missing optional gpu.js peer.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './in-process.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recurrent-cli-hardening-'));
const names = join(dir, 'names');

const tinyNames = (out: string, ...more: string[]) => run('train', '--example', 'names', '--epochs', '1', '--limit', '100', '--units', '4', '--out', out, ...more);
const tinyWeather = (out: string, ...more: string[]) =>
  run('train', '--example', 'weather', '--epochs', '1', '--limit', '60', '--units', '2', '--window', '3', '--out', out, ...more);

beforeAll(async () => {
  const r = await tinyNames(names);
  expect(r.code).toBe(0);
});

describe('train --out', () => {
  it('an existing file: exit 2 before training, nothing written', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep me');
    const r = await tinyNames(file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`error: --out ${file} is a file, not a directory; choose another --out.`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    const under = await tinyNames(join(file, 'model'));
    expect(under.code).toBe(2);
    expect(under.stderr).toMatch(/is a file, so the directory cannot be created/);
  });

  it("another example's model: refused before training; --force replaces it; the same example is retrained in place", async () => {
    const p = join(dir, 'replace');
    cpSync(names, p, { recursive: true });
    const r = await tinyWeather(p);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`error: --out ${p} holds a 'names' model; add --force to replace it with the 'weather' model, or choose another --out.`);
    const forced = await tinyWeather(p, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(p, 'example.json'), 'utf8')).example).toBe('weather');
    expect((await run('predict', '--model', p)).code).toBe(0);
    expect((await tinyWeather(p)).code).toBe(0);
    // A model.json without example.json is not recurrent train's: refused too.
    const bare = join(dir, 'bare');
    cpSync(names, bare, { recursive: true });
    rmSync(join(bare, 'example.json'));
    expect((await tinyNames(bare)).stderr).toMatch(/holds a model not written by 'recurrent train'; add --force/);
  });
});

describe('example.json is validated like model.json', () => {
  const edited = (name: string, f: (meta: Record<string, unknown>) => void) => {
    const p = join(dir, name);
    cpSync(names, p, { recursive: true });
    const meta = JSON.parse(readFileSync(join(p, 'example.json'), 'utf8'));
    f(meta);
    writeFileSync(join(p, 'example.json'), JSON.stringify(meta));
    return p;
  };
  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['weather', (m) => (m.example = 'weather'), /example\.json: 'window' must be a positive integer, got undefined\. The file was edited or belongs to another example/],
    ['unknown', (m) => (m.example = 'x'.repeat(10_000)), /example\.json: unknown example "x{20,80}\.\.\. \(cut\) \(known: names, weather, stocks, generate, digits, stress, g2p\)/],
    ['vocabulary', (m) => (m.vocabulary = { kind: 'charVocabulary', tokens: [1, 2] }), /example\.json: 'vocabulary': CharVocabulary\.fromJSON: token 0 \(1\) must be one character/],
    ['length', (m) => (m.length = -3), /'length' must be a positive integer, got -3/],
    ['generate', (m) => (m.example = 'generate'), /'maxLength' must be a positive integer/],
    ['g2p', (m) => (m.example = 'g2p'), /'letters' must be a list of strings/],
  ];
  for (const [name, f, want] of cases)
    it(name, async () => {
      const p = edited(name, f);
      const r = await run('predict', '--model', p, 'Alice');
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/unexpected|TypeError/);
    });
});

describe('predict without usable optimizer state', () => {
  for (const damage of ['missing', 'truncated'])
    it(`${damage} optimizer file: loads the weights only, warns, predicts the same`, async () => {
      const want = await run('predict', '--model', names, 'Alice', 'Bob');
      const p = join(dir, `opt-${damage}`);
      cpSync(names, p, { recursive: true });
      const opt = readdirSync(p).find((f) => f.startsWith('optimizer.'))!;
      if (damage === 'missing') rmSync(join(p, opt));
      else writeFileSync(join(p, opt), new Uint8Array(5));
      const r = await run('predict', '--model', p, 'Alice', 'Bob');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(want.stdout);
      expect(r.stderr).toMatch(/^warning: model directory .*: optimizer file '.*' is (missing|truncated).* Loaded the weights only: predictions are not affected, but training cannot resume/);
    });

  it('damaged weights are still an error (exit 2)', async () => {
    const p = join(dir, 'weights-bad');
    cpSync(names, p, { recursive: true });
    const w = readdirSync(p).find((f) => f.startsWith('weights.'))!;
    writeFileSync(join(p, w), new Uint8Array(5));
    const r = await run('predict', '--model', p, 'Alice');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weights file .* is truncated/);
  });
});

describe('--backend gpujs without the gpu.js package', () => {
  it('says which package to install (exit 2, no stack)', () => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=@recurrent/source', '--import', 'tsx', '--import', './test/fixtures/without-gpujs.mjs', 'src/bin.ts', 'predict', '--backend', 'gpujs', '--model', names, 'Alice'],
      { cwd: cliDir, encoding: 'utf8', env: { ...process.env, RECURRENT_DEBUG: '' } },
    );
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(r.stderr).not.toMatch(/\n\s+at |Cannot find package/);
    expect(lines[0]).toMatch(/^error: the gpujs backend needs the package 'gpu\.js', an optional peer dependency that is not installed: run 'npm install gpu\.js'/);
  });
});
