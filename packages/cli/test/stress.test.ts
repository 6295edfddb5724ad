/**
 * The stress example: the per-letter labels on hand-checked words, the CMUdict loader's counts
 * (the 80,258 kept words were counted by a Python script over the package's other file,
 * data/dict.txt), then a tiny training run that must beat the position baseline, and predict.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/run-examples.js';
import { loadStressWords, stressLabels, stressWord, vowelGroups } from '../src/datasets/index.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-stress-'));

describe('per-letter stress labels', () => {
  it('vowel groups are runs of a, e, i, o, u, y, a word-initial y being a consonant', () => {
    expect(vowelGroups('photograph')).toEqual([2, 4, 7]);
    expect(vowelGroups('yellow')).toEqual([1, 4]);
    expect(vowelGroups('beautiful')).toEqual([1, 5, 7]);
    expect(vowelGroups('rhythm')).toEqual([2]);
  });

  it('label 1 on the first letter of the primary-stressed vowel group', () => {
    const w = stressWord('PHOTOGRAPHY', 'F AH0 T AA1 G R AH0 F IY0')!;
    expect(w).toEqual({ word: 'photography', groups: [2, 4, 7, 10], stressed: 1 });
    expect(stressLabels(w)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(stressWord('YELLOW', 'Y EH1 L OW0')).toEqual({ word: 'yellow', groups: [1, 4], stressed: 0 });
  });

  it('drops words it cannot label: other characters, one syllable, group count != vowel count, no single primary stress', () => {
    expect(stressWord("A'S", 'EY1 Z')).toBeUndefined();
    expect(stressWord('CAT', 'K AE1 T')).toBeUndefined();
    expect(stressWord('MAKE', 'M EY1 K')).toBeUndefined(); // two vowel groups, one vowel sound
    expect(stressWord('AA', 'EY2 EY1')).toBeUndefined(); // one group, two vowel sounds
    expect(stressWord('ABC', 'EY2 B IY2 S IY2')).toBeUndefined();
    expect(stressWord('A'.repeat(16), 'EY1')).toBeUndefined();
  });

  it('CMUdict: 125,005 entries without alternatives, 80,258 kept, a fixed 80/10/10 split', () => {
    const a = loadStressWords();
    expect(a.counts).toEqual({ entries: 125_005, kept: 80_258 });
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([64_206, 8026, 8026]);
    expect(loadStressWords().test.slice(0, 20)).toEqual(a.test.slice(0, 20));
  });
});

describe('recurrent train --example stress (tiny)', () => {
  const out = join(dir, 'stress');

  it('a bidirectional GRU with a label per letter beats the position baseline, word and letter accuracy', async () => {
    const r = await run('train', '--example', 'stress', '--limit', '2000', '--epochs', '4', '--units', '16', '--out', out, 'banana');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const word = /^test word accuracy (\d+\.\d)% vs most common stressed vowel group for the count (\d+\.\d)%/m.exec(r.stdout);
    const letter = /^test letter accuracy (\d+\.\d)% vs (\d+\.\d)% for the same baseline$/m.exec(r.stdout);
    expect(word, r.stdout).not.toBeNull();
    expect(letter, r.stdout).not.toBeNull();
    expect(Number(word![1])).toBeGreaterThan(Number(word![2]));
    expect(Number(letter![1])).toBeGreaterThan(Number(letter![2]));
    expect(r.stdout).toMatch(/^banana {2}b[a-z]*[AEIOUY]+[a-z]* {2}P = [01]\.\d{3}/m);
    expect(r.stdout).toMatch(/^run time \d+(\.\d)? s \(training \d+(\.\d)? s\)$/m);
  });

  it('predict marks each word, and refuses what is not a word', async () => {
    const r = await run('predict', '--model', out, 'Computer', 'recurrent');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stdout).toMatch(/^computer {3}[a-zA-Z]{8} {2}P = [01]\.\d{3}/m);
    const bad = await run('predict', '--model', out, 'R2D2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'r2d2' is not a word the model reads/);
  });
});
