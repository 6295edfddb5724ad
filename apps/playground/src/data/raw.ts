/**
 * The bundled data, read from the dataset packages when the app is built (see the
 * `playground-data` plugin in vite.config.ts): stdlib's English first-name lists and
 * vega-datasets' seattle-weather.csv always; the mnist subset (1.6 MB) in a chunk of its own,
 * loaded the first time the digits task needs it.
 */
import data from 'virtual:playground-data';
import type { PackedDigits } from '../tasks/digits.js';
import type { RawData } from '../tasks/index.js';

export const rawData: RawData = data;

let digits: Promise<PackedDigits> | undefined;

/** The digits data (fetched once per page or worker). */
export function loadDigits(): Promise<PackedDigits> {
  digits ??= import('virtual:playground-digits').then((m) => m.default);
  return digits;
}
