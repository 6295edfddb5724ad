/**
 * recurrent train --example g2p on a small slice: the encoder-decoder with attention must beat
 * the nearest-spelling baseline on phoneme error rate, print its scores and run time, and
 * predict must pronounce the words given (and refuse what is not a word).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/run-examples.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-g2p-'));

describe('recurrent train --example g2p (small)', () => {
  const out = join(dir, 'g2p');

  it('beats the nearest-spelling baseline on phoneme error rate, reports word accuracy, greedy and beam, and the run time', async () => {
    const r = await run('train', '--example', 'g2p', '--limit', '3000', '--epochs', '8', '--units', '48', '--out', out, 'hello');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const per = /^test phoneme error rate \(beam 4\) (\d+\.\d)% vs nearest spelling (\d+\.\d)%/m.exec(r.stdout);
    expect(per, r.stdout).not.toBeNull();
    expect(Number(per![1])).toBeLessThan(Number(per![2]));
    expect(r.stdout).toMatch(/^test word accuracy \(beam 4\) \d+\.\d% vs nearest spelling \d+\.\d%$/m);
    expect(r.stdout).toMatch(/^greedy decoding: phoneme error rate \d+\.\d%, word accuracy \d+\.\d%/m);
    expect(r.stdout).toMatch(/^hello {2}[A-Z]{1,2}( [A-Z]{1,2})*$/m);
    expect(r.stdout).toMatch(/^run time \d+(\.\d)? s \(training \d+(\.\d)? s\)$/m);
  });

  it('predict pronounces each word, and refuses what is not a word', async () => {
    const r = await run('predict', '--model', out, 'Hello', 'world');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^hello {2}[A-Z]{1,2}( [A-Z]{1,2})*$/);
    expect(lines[1]).toMatch(/^world {2}[A-Z]{1,2}( [A-Z]{1,2})*$/);
    const bad = await run('predict', '--model', out, 'R2D2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'r2d2' is not a word the model reads/);
  });
});
