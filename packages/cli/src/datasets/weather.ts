/**
 * Daily weather in Seattle, 2012-2015 (1461 days), from vega-datasets 3.2.1
 * `data/seattle-weather.csv` (BSD-3-Clause; NOAA data): date, precipitation (mm),
 * temp_max and temp_min (deg C), wind (m/s), weather (drizzle, rain, sun, snow, fog).
 */
import { InputError } from '@recurrent/core';
import { columns, numberField, parseCsv } from './csv.js';
import { readPackageFile } from './locate.js';

export const VEGA_PACKAGE = 'vega-datasets';

export interface WeatherDay {
  /** ISO date, YYYY-MM-DD. */
  date: string;
  precipitation: number;
  tempMax: number;
  tempMin: number;
  wind: number;
  weather: string;
}

export function loadSeattleWeather(): WeatherDay[] {
  const { path, text } = readPackageFile(VEGA_PACKAGE, 'data/seattle-weather.csv');
  return parseWeatherCsv(text, path);
}

/**
 * Days from CSV text with seattle-weather.csv's columns (date, precipitation, temp_max,
 * temp_min, wind; weather optional), in increasing date order. `where` names the source in errors.
 */
export function parseWeatherCsv(text: string, where: string): WeatherDay[] {
  const csv = parseCsv(text, where);
  const c = columns(csv, ['date', 'precipitation', 'temp_max', 'temp_min', 'wind'], where);
  const weather = csv.header.indexOf('weather');
  const days = csv.rows.map((r, i) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r[c.date])) throw new InputError(`${where}: row ${i + 1} date '${r[c.date]}' is not YYYY-MM-DD.`);
    return {
      date: r[c.date],
      precipitation: numberField(r[c.precipitation], where, i + 1, 'precipitation'),
      tempMax: numberField(r[c.temp_max], where, i + 1, 'temp_max'),
      tempMin: numberField(r[c.temp_min], where, i + 1, 'temp_min'),
      wind: numberField(r[c.wind], where, i + 1, 'wind'),
      weather: weather >= 0 ? r[weather] : '',
    };
  });
  for (let i = 1; i < days.length; i++)
    if (days[i].date <= days[i - 1].date) throw new InputError(`${where}: dates are not increasing at row ${i + 1} (${days[i - 1].date}, ${days[i].date}).`);
  return days;
}
