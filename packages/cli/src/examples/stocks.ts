/**
 * Next month's stock price from the last N monthly returns (vega-datasets stocks.csv: AAPL,
 * AMZN, GOOG, IBM, MSFT, 2000-2010; one symbol or all five pooled).
 *
 * Input per month: the log return ln(p_t / p_{t-1}), standardised with the training targets'
 * mean and deviation. Target: the next month's log return; the forecast price is
 * p_t * exp(predicted return). The split is by time over the calendar months: targets in the
 * first 70% of months train, the next 15% validate, the last 15% (from mid-2008) test.
 * Baseline: persistence (next month's price = this month's), which a random walk makes hard to
 * beat; the score is the mean absolute percentage error of the price.
 */
import { InputError } from '@recurrent/core';
import { data, layers, optimizers, sequential, type Sequential } from '@recurrent/models';
import { UsageError } from '../args.js';
import { loadStocks, parseStocksCsv, type StockPrice, stockSeries, stockSymbols } from '../datasets/stocks.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, fitWithProgress, metaField, predictFlat, readTextFile } from './runner.js';

interface StocksMeta extends ExampleMeta {
  example: 'stocks';
  window: number;
  symbols: string[];
  scaler: data.StandardState;
}

interface Window {
  symbol: string;
  /** Month of the target price. */
  month: string;
  returns: number[];
  target: number;
  /** Price in the last month of the window (the persistence forecast). */
  last: number;
  actual: number;
}

function windowsOf(series: readonly StockPrice[], window: number): Window[] {
  const r = series.slice(1).map((p, i) => Math.log(p.price / series[i].price));
  const out: Window[] = [];
  // Returns r[j..j+window-1] (prices 0..j+window), target r[j+window] = price j+window+1.
  for (let j = 0; j + window < r.length; j++)
    out.push({
      symbol: series[0].symbol,
      month: series[j + window + 1].month,
      returns: r.slice(j, j + window),
      target: r[j + window],
      last: series[j + window].price,
      actual: series[j + window + 1].price,
    });
  return out;
}

const mape = (pred: readonly number[], actual: readonly number[]): number => pred.reduce((s, p, i) => s + Math.abs(p - actual[i]) / actual[i], 0) / pred.length;
const pctErr = (v: number): string => `${(100 * v).toFixed(2)}%`;

function readSymbols(prices: StockPrice[], symbol: string): string[] {
  const all = stockSymbols(prices);
  if (symbol === 'all') return all;
  if (!all.includes(symbol)) throw new UsageError(`--symbol ${symbol}: stocks.csv has ${all.join(', ')} (or use all).`, 'train');
  return [symbol];
}

export const stocksExample: Example = {
  name: 'stocks',
  summary: 'forecast next month\'s stock price from the last N monthly returns (vega-datasets stocks.csv), vs persistence',
  defaults: { cell: 'gru', units: 16, epochs: 40, batchSize: 16, learningRate: 0.003, window: 12 },

  check(s) {
    readSymbols(loadStocks(), s.symbol);
  },

  async train(s, io) {
    const prices = loadStocks();
    const symbols = readSymbols(prices, s.symbol);
    const months = [...new Set(prices.map((p) => p.month))].sort();
    const trainEnd = months[Math.round(months.length * 0.7)];
    const valEnd = months[Math.round(months.length * 0.85)];
    const all = symbols.flatMap((sym) => windowsOf(stockSeries(prices, sym), s.window));
    let train = all.filter((w) => w.month < trainEnd);
    const val = all.filter((w) => w.month >= trainEnd && w.month < valEnd);
    const test = all.filter((w) => w.month >= valEnd);
    if (s.limit !== undefined) train = train.slice(-s.limit);
    if (train.length === 0 || val.length === 0 || test.length === 0)
      throw new InputError(`stocks: too few months for window ${s.window}; use a smaller --window.`);
    io.out(
      `${symbols.join(', ')}: ${train.length} training windows (targets before ${trainEnd}), ${val.length} validation, ` +
        `${test.length} test (${valEnd} to ${months[months.length - 1]}); ${s.window} monthly returns each`,
    );
    const scaler = new data.StandardScaler().fit(train.map((w) => w.target));
    const xy = (ws: Window[]) => ({
      x: { data: Float32Array.from(scaler.transform(ws.flatMap((w) => w.returns))), shape: [ws.length, s.window, 1] },
      y: { data: Float32Array.from(scaler.transform(ws.map((w) => w.target))), shape: [ws.length, 1] },
    });
    const model = sequential({ backend: s.backend, seed: s.seed }, [buildRecurrent(s.cell, s.units, [null, 1]), layers.dense({ units: 1 })]);
    model.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: s.learningRate }), metrics: ['mae'] });
    const tr = xy(train);
    const va = xy(val);
    await fitWithProgress(model, tr.x, tr.y, [va.x, va.y], s, io);

    const r = scaler.inverseTransform(Array.from(await predictFlat(model, xy(test).x)));
    const pred = test.map((w, i) => w.last * Math.exp(r[i]));
    const actual = test.map((w) => w.actual);
    // Drift: every month moves by the mean training return (what a model that ignores its input would learn).
    const drift = Math.exp(train.reduce((t, w) => t + w.target, 0) / train.length);
    const driftErr = mape(
      test.map((w) => w.last * drift),
      actual,
    );
    return {
      model,
      title: `${cellTitle(s.cell)}(${s.units}) -> Dense(1) forecasting next month's price of ${symbols.join(', ')}`,
      score: {
        name: 'test mean absolute % error',
        value: mape(pred, actual),
        baseline: mape(
          test.map((w) => w.last),
          actual,
        ),
        baselineName: 'persistence',
        higherIsBetter: false,
        format: pctErr,
      },
      notes: [`(drift, the mean training return of ${pctErr(drift - 1)} a month: ${pctErr(driftErr)}; monthly prices are close to a random walk)`],
      meta: { format: 'recurrent-example/1', example: 'stocks', window: s.window, symbols, scaler: scaler.toJSON() } satisfies StocksMeta,
    };
  },

  /** Forecasts the month after the last price of each symbol, in stocks.csv or in the CSV files given (stocks.csv's columns). */
  checkMeta(meta, file) {
    metaField.positiveInt(meta, 'window', file);
    metaField.strings(meta, 'symbols', file);
    metaField.state(meta, 'scaler', file, data.StandardScaler.fromJSON);
  },

  async use(model: Sequential, meta, opts, io) {
    const m = meta as StocksMeta;
    const scaler = data.StandardScaler.fromJSON(m.scaler);
    const sources = opts.inputs.length === 0 ? [{ name: 'stocks.csv', prices: loadStocks() }] : opts.inputs.map((f) => ({ name: f, prices: parseStocksCsv(readTextFile(f), f) }));
    for (const { name, prices } of sources) {
      const symbols = opts.inputs.length === 0 ? m.symbols : stockSymbols(prices);
      for (const sym of symbols) {
        const series = stockSeries(prices, sym);
        if (series.length < m.window + 1)
          throw new InputError(`${name}: ${sym} has ${series.length} months, but the model reads the last ${m.window} returns; give at least ${m.window + 1} months.`);
        const tail = series.slice(-(m.window + 1));
        const rets = tail.slice(1).map((p, i) => Math.log(p.price / tail[i].price));
        const x = { data: Float32Array.from(scaler.transform(rets)), shape: [1, m.window, 1] };
        const r = scaler.inverseTransform([(await predictFlat(model, x))[0]])[0];
        const last = tail[tail.length - 1];
        io.out(`${name}: ${sym.padEnd(5)} last ${last.month} $${last.price.toFixed(2)}; next month forecast $${(last.price * Math.exp(r)).toFixed(2)} (${r >= 0 ? '+' : ''}${(100 * (Math.exp(r) - 1)).toFixed(1)}%)`);
      }
    }
  },
};
