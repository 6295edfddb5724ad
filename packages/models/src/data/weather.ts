/**
 * Daily weather rows in the layout of vega-datasets' `seattle-weather.csv` (date, precipitation
 * in mm, temp_max and temp_min in deg C, wind in m/s, weather optional): the one parser the CLI's
 * weather example and the playground's weather task both read it with. Browser-safe.
 */
import { InputError } from '@recurrent/core';
import { columns, numberField, parseCsv } from './csv.js';

export interface WeatherDay {
  /** ISO date, YYYY-MM-DD. */
  date: string;
  precipitation: number;
  tempMax: number;
  tempMin: number;
  wind: number;
  /** drizzle, rain, sun, snow, fog; '' when the file has no weather column. */
  weather: string;
}

/**
 * Days from CSV text with seattle-weather.csv's columns, which must be in increasing date order.
 * `where` (a file name) starts every error message; a bad file is an InputError naming the row.
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
