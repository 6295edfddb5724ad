/**
 * The bundled data, read from the dataset packages when the app is built (see the
 * `playground-data` plugin in vite.config.ts): stdlib's English first-name lists and
 * vega-datasets' seattle-weather.csv always; the mnist subset (1.6 MB) and the CMUdict subset
 * (72 kB) in chunks of their own, each loaded the first time its task needs it.
 */
import data from 'virtual:playground-data';
import type { PackedDigits } from '../tasks/digits.js';
import type { RawData } from '../tasks/index.js';

export const rawData: RawData = data;

let digits: Promise<PackedDigits> | undefined;
let g2p: Promise<string> | undefined;

/** The digits data (fetched once per page or worker). */
export function loadDigits(): Promise<PackedDigits> {
  digits ??= import('virtual:playground-digits').then((m) => m.default);
  return digits;
}

/** The CMUdict subset of the g2p task (fetched once per page or worker). */
export function loadG2p(): Promise<string> {
  g2p ??= import('virtual:playground-g2p').then((m) => m.default);
  return g2p;
}

/** The data loaded on demand, by task. */
export const lazyData = { digits: loadDigits, g2p: loadG2p };
