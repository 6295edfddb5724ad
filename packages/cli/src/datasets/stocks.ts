/**
 * Monthly closing prices of five stocks (AAPL, AMZN, GOOG, IBM, MSFT), January 2000 to March
 * 2010, from vega-datasets 3.2.1 `data/stocks.csv` (BSD-3-Clause): symbol, date ('Jan 1 2000'),
 * price (USD). GOOG starts at its 2004 listing.
 */
import { InputError } from '@recurrent/core';
import { data } from '@recurrent/models';
import { readPackageFile } from './locate.js';
import { VEGA_PACKAGE } from './weather.js';

const { columns, numberField, parseCsv } = data;

export interface StockPrice {
  symbol: string;
  /** ISO month, YYYY-MM. */
  month: string;
  price: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function loadStocks(): StockPrice[] {
  const { path, text } = readPackageFile(VEGA_PACKAGE, 'data/stocks.csv');
  return parseStocksCsv(text, path);
}

/** Prices from CSV text with stocks.csv's columns (symbol, date like 'Jan 1 2000', price). `where` names the source in errors. */
export function parseStocksCsv(text: string, path: string): StockPrice[] {
  const csv = parseCsv(text, path);
  const c = columns(csv, ['symbol', 'date', 'price'], path);
  return csv.rows.map((r, i) => {
    const m = /^([A-Z][a-z]{2}) \d{1,2} (\d{4})$/.exec(r[c.date].trim());
    const mon = m ? MONTHS.indexOf(m[1]) : -1;
    if (!m || mon < 0) throw new InputError(`${path}: row ${i + 1} date '${r[c.date]}' is not like 'Jan 1 2000'.`);
    return { symbol: r[c.symbol], month: `${m[2]}-${String(mon + 1).padStart(2, '0')}`, price: numberField(r[c.price], path, i + 1, 'price') };
  });
}

/** Every symbol in the file, in first-appearance order. */
export const stockSymbols = (prices: readonly StockPrice[]): string[] => [...new Set(prices.map((p) => p.symbol))];

/** One symbol's prices in month order; an InputError listing the symbols if it is absent. */
export function stockSeries(prices: readonly StockPrice[], symbol: string): StockPrice[] {
  const s = prices.filter((p) => p.symbol === symbol).sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  if (s.length === 0) throw new InputError(`stocks.csv has no symbol '${symbol}'; symbols: ${stockSymbols(prices).join(', ')}.`);
  return s;
}
