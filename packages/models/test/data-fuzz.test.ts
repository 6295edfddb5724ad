/**
 * Damaged data files, by the hundred: seeded text mutations (@recurrent/core/testing mutateText:
 * quotes, separators, line ends, NUL, lone surrogates, odd numbers, 100,000-character fields,
 * deleted, duplicated and cut spans) of a CSV, a seattle-weather CSV and a CMUdict file. Each
 * parse returns what the parser promises -- rows as long as the header, finite weather numbers
 * in increasing date order, dictionary entries of bounded length -- or throws one of our typed
 * errors (RecurrentError). Never a TypeError, a RangeError or a hang.
 */
import { describeMutations, mutateText, untypedError } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { data } from '../src/index.js';

const csvText = 'name,"note, quoted",value\r\nalpha,"say ""hi""",1.5\nbeta,,2\n"gamma\ndelta",x,-3e2\n';
const weatherText = `date,precipitation,temp_max,temp_min,wind,weather\n${Array.from({ length: 12 }, (_, i) => `2012-01-${String(i + 1).padStart(2, '0')},${(i * 1.3).toFixed(1)},${10 + i},${i - 2},${(3 + i / 4).toFixed(2)},${['rain', 'sun', 'fog'][i % 3]}`).join('\n')}\n`;
const cmudictText = ";;; a comment\nHELLO  HH AH0 L OW1\r\nHELLO(1)  HH EH0 L OW1\n\nWORLD\tW ER1 L D\nA  AH0\nRECURRENT  R IH0 K ER1 AH0 N T\n";

/** Runs `parse` on `seeds` mutations of `text`; returns the failures (untyped errors, broken promises) and how many parsed. */
function fuzz(text: string, seeds: number, parse: (t: string) => string | null): { failures: string[]; parsed: number } {
  const failures: string[] = [];
  let parsed = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const m = mutateText(text, seed);
    try {
      const broken = parse(m.value);
      parsed++;
      if (broken) failures.push(`${describeMutations(seed, m.mutations)} -> ${broken}`);
    } catch (e) {
      const bad = untypedError('parse', e);
      if (bad) failures.push(`${describeMutations(seed, m.mutations)} -> ${bad}`);
    }
  }
  return { failures, parsed };
}

describe('damaged data files (seeded text mutations)', () => {
  it('parseCsv: 600 damaged CSV files give rows as long as the header, or an InputError', () => {
    const r = fuzz(csvText, 600, (t) => {
      const csv = data.parseCsv(t, 'f.csv');
      const short = csv.rows.findIndex((row) => row.length !== csv.header.length);
      return short >= 0 ? `row ${short} has ${csv.rows[short].length} fields, the header ${csv.header.length}` : null;
    });
    expect(r.failures.slice(0, 20).join('\n')).toBe('');
    expect(r.parsed).toBeGreaterThan(60); // both ends ran
  });

  it('parseWeatherCsv: 600 damaged files give finite numbers in increasing date order, or an InputError', () => {
    const r = fuzz(weatherText, 600, (t) => {
      const days = data.parseWeatherCsv(t, 'w.csv');
      for (const [i, d] of days.entries()) {
        if (![d.precipitation, d.tempMax, d.tempMin, d.wind].every(Number.isFinite)) return `day ${i} has a non-finite number`;
        if (!/^\d{4}-\d{2}-\d{2}$/.test(d.date)) return `day ${i} has date '${d.date}'`;
        if (i > 0 && !(days[i - 1].date < d.date)) return `day ${i} (${d.date}) is not after day ${i - 1} (${days[i - 1].date})`;
      }
      return null;
    });
    expect(r.failures.slice(0, 20).join('\n')).toBe('');
    expect(r.parsed).toBeGreaterThan(20); // 31 of 600 parse (2026-12-04): the layout is strict
  });

  it('parseCmudict: 600 damaged dictionaries give entries of at most 200 characters, or an InputError', () => {
    const r = fuzz(cmudictText, 600, (t) => {
      for (const [spelling, phonemes] of data.parseCmudict(t, 'd.txt'))
        if (spelling.length === 0 || spelling.length > 200 || phonemes.length > 200) return `entry '${spelling.slice(0, 40)}' (${spelling.length} / ${phonemes.length} characters)`;
      return null;
    });
    expect(r.failures.slice(0, 20).join('\n')).toBe('');
    expect(r.parsed).toBeGreaterThan(60);
  });
});
