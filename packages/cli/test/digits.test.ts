/**
 * The digits example: the mnist 1.1.0 loader on the real files (per-digit counts read off the
 * JSON files with a one-off script, not with this loader), then a tiny training run that must
 * beat the majority class, and predict drawing test images with their predicted digit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/run-examples.js';
import { loadDigitImages, loadDigits } from '../src/datasets/index.js';
import { asciiDigit } from '../src/examples/digits.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-digits-'));

describe('mnist 1.1.0', () => {
  it('10,000 images of 784 grey levels in [0, 1], with the per-digit counts of the files', () => {
    const { pixels, labels } = loadDigitImages();
    expect(labels).toHaveLength(10_000);
    expect(pixels).toHaveLength(10_000 * 784);
    const counts = new Array<number>(10).fill(0);
    for (const d of labels) counts[d]++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const [lo, hi] = pixels.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(0.99);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('a fixed stratified 80/10/10 split', () => {
    const a = loadDigits();
    expect([a.train.labels.length, a.validation.labels.length, a.test.labels.length]).toEqual([8002, 999, 999]);
    expect(loadDigits().test.labels).toEqual(a.test.labels);
    expect(a.test.labels.filter((d) => d === 1)).toHaveLength(113); // round(0.1 * 1127)
  });

  it('ASCII art crops the blank rows and keeps 28 columns', () => {
    const img = new Float32Array(784);
    for (let r = 10; r < 14; r++) img[r * 28 + 5] = 1;
    const art = asciiDigit(img);
    expect(art).toHaveLength(4);
    expect(art[0]).toBe(`${' '.repeat(5)}@${' '.repeat(22)}`);
  });
});

describe('recurrent train --example digits (tiny)', () => {
  const out = join(dir, 'digits');

  it('beats the majority class, prints the dense network beside it, and the run time', async () => {
    const r = await run('train', '--example', 'digits', '--limit', '1000', '--epochs', '3', '--units', '32', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^test accuracy (\d+\.\d)% vs majority class \(1\) (\d+\.\d)%/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![2])).toBe(11.3);
    expect(Number(m![1])).toBeGreaterThan(Number(m![2]) + 20);
    expect(r.stdout).toMatch(/^ {2}LSTM\(32\), rows as steps +\d+\.\d%$/m);
    expect(r.stdout).toMatch(/^ {2}Dense\(32\), flattened image +\d+\.\d%$/m);
    expect(r.stdout).toMatch(/^run time \d+(\.\d)? s \(training \d+(\.\d)? s\)$/m);
  });

  it('predict draws the chosen test images with the digit read', async () => {
    const r = await run('predict', '--model', out, '5', '998');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^#5: \d \(P [01]\.\d\d\)( true \d)? +#998: \d \(P [01]\.\d\d\)( true \d)?$/);
    expect(lines.length).toBeGreaterThan(10);
    const bad = await run('predict', '--model', out, '999');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'999' is not a test image: give indices 0 to 998/);
  });
});
