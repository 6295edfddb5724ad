/**
 * The bundled data, read from the dataset packages when the app is built (see the
 * `playground-data` plugin in vite.config.ts): stdlib's English first-name lists and
 * vega-datasets' seattle-weather.csv.
 */
import data from 'virtual:playground-data';
import type { RawData } from '../tasks/index.js';

export const rawData: RawData = data;
