/**
 * The dataset loaders on the real files. Expected counts were read off the files with other
 * tools (wc, sort | uniq -c, a one-off script over the two JSON lists): 4951 female and 3898
 * male entries; 4944 and 3897 distinct case-insensitively; 419 names in both.
 */
import { describe, expect, it } from 'vitest';
import { loadNameLists, loadNames, loadSeattleWeather, loadStocks, stockSeries, stockSymbols } from '../src/datasets/index.js';

describe('names', () => {
  it('drops the 419 names found in both lists, case-insensitively', () => {
    const { female, male, dropped } = loadNameLists();
    expect(dropped).toHaveLength(419);
    expect(female).toHaveLength(4944 - 419);
    expect(male).toHaveLength(3897 - 419);
    const f = new Set(female.map((s) => s.toLowerCase()));
    expect(male.some((s) => f.has(s.toLowerCase()))).toBe(false);
    expect(new Set(female.map((s) => s.toLowerCase())).size).toBe(female.length);
    expect(dropped).toContain('robin');
    expect(female).toContain('Abigail');
    expect(male).toContain('Aaron');
  });

  it('a fixed, stratified 80/10/10 split: disjoint, complete and the same on every call', () => {
    const a = loadNames();
    const b = loadNames();
    expect(b).toEqual(a);
    const total = 4525 + 3478;
    expect(a.train.length + a.validation.length + a.test.length).toBe(total);
    // Stratified: each class is split 80/10/10 on its own (round(0.1 * 4525) = 453 (452.5 rounds up), round(0.1 * 3478) = 348).
    expect(a.test.filter((n) => n.label === 1)).toHaveLength(453);
    expect(a.test.filter((n) => n.label === 0)).toHaveLength(348);
    expect(new Set([...a.train, ...a.validation, ...a.test].map((n) => n.name)).size).toBe(total);
    expect(loadNames({ splitSeed: 7 }).test).not.toEqual(a.test);
  });
});

describe('vega-datasets', () => {
  it('seattle-weather.csv: 1461 days from 2012-01-01 to 2015-12-31', () => {
    const days = loadSeattleWeather();
    expect(days).toHaveLength(1461);
    expect(days[0]).toEqual({ date: '2012-01-01', precipitation: 0, tempMax: 12.8, tempMin: 5, wind: 4.7, weather: 'drizzle' });
    expect(days[1460].date).toBe('2015-12-31');
  });

  it('stocks.csv: 560 monthly prices of five symbols; GOOG has 68 months', () => {
    const prices = loadStocks();
    expect(prices).toHaveLength(560);
    expect(stockSymbols(prices)).toEqual(['MSFT', 'AMZN', 'IBM', 'GOOG', 'AAPL']);
    const msft = stockSeries(prices, 'MSFT');
    expect(msft).toHaveLength(123);
    expect(msft[0]).toEqual({ symbol: 'MSFT', month: '2000-01', price: 39.81 });
    expect(stockSeries(prices, 'GOOG')).toHaveLength(68);
    expect(() => stockSeries(prices, 'TSLA')).toThrow(/no symbol 'TSLA'; symbols: MSFT, AMZN, IBM, GOOG, AAPL/);
  });
});
