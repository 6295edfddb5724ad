/**
 * Daily weather in Seattle, 2012-2015 (1461 days), from vega-datasets 3.2.1
 * `data/seattle-weather.csv` (BSD-3-Clause; NOAA data): date, precipitation (mm),
 * temp_max and temp_min (deg C), wind (m/s), weather (drizzle, rain, sun, snow, fog).
 * Parsed with @recurrent/models' `data.parseWeatherCsv` (the playground reads it the same way).
 */
import { data } from '@recurrent/models';
import { readPackageFile } from './locate.js';

export const VEGA_PACKAGE = 'vega-datasets';

export type WeatherDay = data.WeatherDay;
export const parseWeatherCsv = data.parseWeatherCsv;

export function loadSeattleWeather(): WeatherDay[] {
  const { path, text } = readPackageFile(VEGA_PACKAGE, 'data/seattle-weather.csv');
  return parseWeatherCsv(text, path);
}
