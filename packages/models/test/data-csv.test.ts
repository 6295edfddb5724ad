/** The CSV reader and the seattle-weather parser the CLI and the playground share (`data.parseCsv`, `data.parseWeatherCsv`). */
import { InputError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { data } from '../src/index.js';

const { parseCsv, parseWeatherCsv } = data;

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF and a missing final newline', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n1,\n', 'f.csv')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['x, y', 'say "hi"'],
        ['1', ''],
      ],
    });
    expect(parseCsv('a\n1', 'f.csv').rows).toEqual([['1']]);
  });

  it('a short row or an unclosed quote is an InputError naming the file and row', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(/f\.csv: data row 2 has 1 fields, wanted 2/);
    expect(() => parseCsv('a\n"open\n', 'f.csv')).toThrow(InputError);
    expect(() => parseCsv('', 'f.csv')).toThrow(/the file is empty/);
  });
});

describe('parseWeatherCsv', () => {
  const head = 'date,precipitation,temp_max,temp_min,wind,weather\n';

  it('reads the seattle-weather layout; the weather column is optional', () => {
    expect(parseWeatherCsv(`${head}2012-01-01,0.0,12.8,5.0,4.7,drizzle\n2012-01-02,10.9,10.6,2.8,4.5,rain\n`, 'w.csv')).toEqual([
      { date: '2012-01-01', precipitation: 0, tempMax: 12.8, tempMin: 5, wind: 4.7, weather: 'drizzle' },
      { date: '2012-01-02', precipitation: 10.9, tempMax: 10.6, tempMin: 2.8, wind: 4.5, weather: 'rain' },
    ]);
    expect(parseWeatherCsv('date,precipitation,temp_max,temp_min,wind\n2012-01-01,0,1,0,2', 'w.csv')[0].weather).toBe('');
  });

  it('a missing column, a bad number, a bad date or dates out of order is an InputError naming the row', () => {
    expect(() => parseWeatherCsv('date,precipitation\n2012-01-01,0\n', 'w.csv')).toThrow(/w\.csv: no column 'temp_max'/);
    expect(() => parseWeatherCsv(`${head}2012-01-01,x,1,0,2,sun\n`, 'w.csv')).toThrow(/row 1 column 'precipitation' is 'x', not a number/);
    expect(() => parseWeatherCsv(`${head}1/1/2012,0,1,0,2,sun\n`, 'w.csv')).toThrow(/row 1 date '1\/1\/2012' is not YYYY-MM-DD/);
    expect(() => parseWeatherCsv(`${head}2012-01-02,0,1,0,2,sun\n2012-01-01,0,1,0,2,sun\n`, 'w.csv')).toThrow(InputError);
  });
});
