/**
 * Next-day weather: from the last T days in Seattle (vega-datasets seattle-weather.csv,
 * 2012-2015), predict tomorrow's maximum temperature. Features per day: precipitation
 * (log 1 + mm), max and min temperature, wind, and the season (sine and cosine of the day of
 * the year), standardised with the training period's mean and deviation. The first 80% of the
 * days train, the last 20% validate (a split in time, as forecasting needs). The CSV is read with
 * @recurrent/models' `data.parseWeatherCsv`, the parser the CLI's weather example uses.
 */
import type { data } from '@recurrent/models';
import type { Batch, Task } from './task.js';

type WeatherDay = data.WeatherDay;

const FEATURES = 6;

function dayOfYear(date: string): number {
  const t = Date.parse(`${date}T00:00:00Z`);
  const start = Date.UTC(Number(date.slice(0, 4)), 0, 1);
  return (t - start) / 86_400_000;
}

export interface WeatherTask extends Task {
  /** Validation windows: the date of each predicted day and its true maximum (°C). */
  readonly forecastDays: { date: string; truth: number }[];
  /** Head output (standardised) -> °C. */
  toCelsius(v: number): number;
}

export function weatherTask(days: readonly WeatherDay[], T: number): WeatherTask {
  const N = days.length;
  const split = Math.floor(N * 0.8);
  const raw = days.map((d) => {
    const a = (2 * Math.PI * dayOfYear(d.date)) / 365.25;
    return [Math.log1p(d.precipitation), d.tempMax, d.tempMin, d.wind, Math.sin(a), Math.cos(a)];
  });
  const mean = new Array(FEATURES).fill(0);
  const sd = new Array(FEATURES).fill(0);
  for (let i = 0; i < split; i++) for (let f = 0; f < FEATURES; f++) mean[f] += raw[i][f] / split;
  for (let i = 0; i < split; i++) for (let f = 0; f < FEATURES; f++) sd[f] += (raw[i][f] - mean[f]) ** 2 / split;
  for (let f = 0; f < FEATURES; f++) sd[f] = Math.sqrt(sd[f]) || 1;
  const feat = raw.map((r) => r.map((v, f) => (v - mean[f]) / sd[f]));
  // Window s covers days s .. s+T-1 and predicts day s+T.
  const trainStarts: number[] = [];
  const valStarts: number[] = [];
  for (let s = 0; s + T < N; s++) (s + T < split ? trainStarts : valStarts).push(s);
  const toCelsius = (v: number) => v * sd[1] + mean[1];
  const encode = (starts: readonly number[]): Batch => {
    const B = starts.length;
    const x = new Float32Array(B * T * FEATURES);
    const target = new Float32Array(B);
    starts.forEach((s, b) => {
      for (let t = 0; t < T; t++) x.set(feat[s + t], (b * T + t) * FEATURES);
      target[b] = feat[s + T][1];
    });
    return { x, B, T, D: FEATURES, target };
  };
  return {
    id: 'weather',
    title: 'Tomorrow’s high in Seattle',
    blurb: `Reads ${T} days of weather and predicts the next day’s maximum temperature. ${trainStarts.length} training windows (2012 to ${days[split].date.slice(0, 7)}), ${valStarts.length} validation windows after that.`,
    inputSize: FEATURES,
    outputSize: 1,
    head: 'last',
    loss: 'mse',
    metric: { name: 'mean abs. error (°C)', higherIsBetter: false, format: (v) => `${v.toFixed(2)} °C` },
    trainMetric: { name: 'mae', scale: sd[1] },
    trainSize: trainStarts.length,
    validation: encode(valStarts),
    forecastDays: valStarts.map((s) => ({ date: days[s + T].date, truth: days[s + T].tempMax })),
    toCelsius,
    trainBatch(rng, B) {
      return encode(Array.from({ length: B }, () => trainStarts[rng.int(trainStarts.length)]));
    },
    score(pred, batch) {
      let sum = 0;
      for (let i = 0; i < batch.B; i++) sum += Math.abs(pred[i] - batch.target[i]) * sd[1];
      return { sum, count: batch.B };
    },
    exampleCount: valStarts.length,
    example(i) {
      const s = valStarts[((i % valStarts.length) + valStarts.length) % valStarts.length];
      const batch = encode([s]);
      return {
        batch,
        stepLabels: days.slice(s, s + T).map((d) => d.date.slice(5)),
        describe: (pred) =>
          `${days[s + T].date}: the high was ${days[s + T].tempMax.toFixed(1)} °C; the model predicted ${toCelsius(pred[0]).toFixed(1)} °C from the ${T} days before.`,
      };
    },
  };
}
