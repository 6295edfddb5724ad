/**
 * Next-day maximum temperature in Seattle from the last N days (vega-datasets
 * seattle-weather.csv, 2012-2015).
 *
 * Inputs per day: max and min temperature, precipitation, wind, and the day of the year as
 * sin/cos (the season), standardised with statistics of the training days only. Target: the
 * next day's max temperature (standardised; predictions are inverted to deg C). The split is by
 * time: windows whose target day is in the first 70% of days train, the next 15% validate, the
 * last 15% (mid-2015 on) test. Baseline: persistence (tomorrow's max = today's max).
 */
import { InputError } from '@recurrent/core';
import { data, layers, optimizers, sequential, type Sequential } from '@recurrent/models';
import { loadSeattleWeather, parseWeatherCsv, type WeatherDay } from '../datasets/weather.js';
import { buildRecurrent, cellTitle, type Example, type ExampleMeta, fitWithProgress, metaField, predictFlat, readTextFile } from './runner.js';

interface WeatherMeta extends ExampleMeta {
  example: 'weather';
  window: number;
  scaler: data.StandardState;
}

const FEATURES = ['temp_max', 'temp_min', 'precipitation', 'wind', 'season_sin', 'season_cos'];

function dayOfYear(date: string): number {
  const t = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10));
  return (t - Date.UTC(+date.slice(0, 4), 0, 1)) / 86_400_000;
}

/** The feature rows of `days`. */
export function weatherFeatures(days: readonly WeatherDay[]): number[][] {
  return days.map((d) => {
    const a = (2 * Math.PI * dayOfYear(d.date)) / 365.25;
    return [d.tempMax, d.tempMin, d.precipitation, d.wind, Math.sin(a), Math.cos(a)];
  });
}

const degrees = (v: number): string => `${v.toFixed(2)} °C`;

/** Mean absolute error between two lists. */
export const mae = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};

/** The `{ data, shape }` of windows at the given indices. */
const pick = (w: data.Windows, idx: number[]) => ({ x: data.takeRows(w.x, idx), y: data.takeRows(w.y, idx) });

export const weatherExample: Example = {
  name: 'weather',
  summary: "forecast Seattle's next-day max temperature from the last N days (vega-datasets), vs persistence",
  defaults: { cell: 'lstm', units: 16, epochs: 30, batchSize: 32, learningRate: 0.003, window: 7 },

  async train(s, io) {
    let days = loadSeattleWeather();
    if (s.limit !== undefined) days = days.slice(0, Math.max(s.limit + s.window + 3, 3 * s.window));
    const rows = weatherFeatures(days);
    const T = rows.length;
    const trainEnd = Math.round(T * 0.7);
    const valEnd = Math.round(T * 0.85);
    const scaler = new data.StandardScaler().fit(rows.slice(0, trainEnd));
    const w = data.slidingWindows(scaler.transform(rows), { window: s.window, targets: [0] });
    const part = (lo: number, hi: number) => w.starts.flatMap((t, i) => (t + s.window >= lo && t + s.window < hi ? [i] : []));
    const [trI, vaI, teI] = [part(0, trainEnd), part(trainEnd, valEnd), part(valEnd, T)];
    if (trI.length === 0 || vaI.length === 0 || teI.length === 0)
      throw new InputError(`weather: ${T} days are too few for window ${s.window}; use a smaller --window or a larger --limit.`);
    io.out(
      `${trI.length} training windows (${days[0].date} to ${days[trainEnd - 1].date}), ${vaI.length} validation, ${teI.length} test ` +
        `(${days[valEnd].date} to ${days[T - 1].date}); ${s.window} days x ${FEATURES.length} features each`,
    );
    const model = sequential({ backend: s.backend, seed: s.seed }, [buildRecurrent(s.cell, s.units, [null, FEATURES.length]), layers.dense({ units: 1 })]);
    model.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: s.learningRate }), metrics: ['mae'] });
    const tr = pick(w, trI);
    const va = pick(w, vaI);
    const te = pick(w, teI);
    await fitWithProgress(model, tr.x, tr.y, [va.x, va.y], s, io);

    const pred = scaler.inverseTransform(Array.from(await predictFlat(model, te.x)), { columns: [0] });
    const actual = teI.map((i) => days[w.starts[i] + s.window].tempMax);
    const today = teI.map((i) => days[w.starts[i] + s.window - 1].tempMax);
    return {
      model,
      title: `${cellTitle(s.cell)}(${s.units}) -> Dense(1) forecasting Seattle's next-day max temperature`,
      score: { name: 'test MAE', value: mae(pred, actual), baseline: mae(today, actual), baselineName: 'persistence', higherIsBetter: false, format: degrees },
      meta: { format: 'recurrent-example/1', example: 'weather', window: s.window, scaler: scaler.toJSON() } satisfies WeatherMeta,
    };
  },

  /** Forecasts the day after the last row of each CSV given (seattle-weather.csv columns), or the held-out tail of the dataset. */
  checkMeta(meta, file) {
    metaField.positiveInt(meta, 'window', file);
    metaField.state(meta, 'scaler', file, data.StandardScaler.fromJSON);
  },

  async use(model: Sequential, meta, opts, io) {
    const m = meta as WeatherMeta;
    const scaler = data.StandardScaler.fromJSON(m.scaler);
    const forecast = async (days: WeatherDay[]) => {
      const x = scaler.transform({ data: Float32Array.from(weatherFeatures(days.slice(-m.window)).flat()), shape: [1, m.window, FEATURES.length] });
      return scaler.inverseTransform([(await predictFlat(model, x))[0]], { columns: [0] })[0];
    };
    if (opts.inputs.length === 0) {
      const days = loadSeattleWeather();
      io.out(`The last 5 days of the dataset (held out), forecast from the ${m.window} days before each:`);
      for (let k = days.length - 5; k < days.length; k++)
        io.out(`  ${days[k].date}  forecast ${degrees(await forecast(days.slice(0, k)))}  actual ${degrees(days[k].tempMax)}  persistence ${degrees(days[k - 1].tempMax)}`);
      io.out(`  day after ${days[days.length - 1].date}: forecast ${degrees(await forecast(days))}`);
      return;
    }
    for (const file of opts.inputs) {
      const days = parseWeatherCsv(readTextFile(file), file);
      if (days.length < m.window) throw new InputError(`${file}: ${days.length} days, but the model reads the last ${m.window}; give at least ${m.window} rows.`);
      io.out(`${file}: max temperature the day after ${days[days.length - 1].date}: ${degrees(await forecast(days))}`);
    }
  },
};
