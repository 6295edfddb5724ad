/** Builds a task from its id, the bundled data and the sequence length. */
import { data as datasets } from '@recurrent/models';
import type { TaskId } from '../model/config.js';
import { addingTask } from './adding.js';
import { digitsTask, type PackedDigits } from './digits.js';
import { g2pTask } from './g2p.js';
import { generateTask } from './generate.js';
import { namesTask } from './names.js';
import type { Task } from './task.js';
import { weatherTask } from './weather.js';

export interface RawData {
  female: readonly string[];
  male: readonly string[];
  seattleWeatherCsv: string;
  /** The bundled mnist subset (see data-files.ts); the app loads it when the digits task is first used. */
  digits?: PackedDigits;
  /** The bundled CMUdict subset (see data-files.ts); the app loads it when the g2p task is first used. */
  g2p?: string;
  /** The user's own words for the generation task (pasted text split at spaces and lines); the name lists when absent. */
  words?: readonly string[];
}

export function createTask(id: TaskId, seqLen: number, data: RawData): Task {
  switch (id) {
    case 'names':
      return namesTask(data.female, data.male, seqLen);
    case 'generate':
      return generateTask(data.female, data.male, seqLen, data.words);
    case 'weather':
      return weatherTask(datasets.parseWeatherCsv(data.seattleWeatherCsv, 'seattle-weather.csv'), seqLen);
    case 'adding':
      return addingTask(seqLen);
    case 'digits':
      if (!data.digits) throw new Error('the digits data is not loaded yet: load it (src/data/raw.ts, loadDigits) before building the digits task.');
      return digitsTask(data.digits);
    case 'g2p':
      if (data.g2p === undefined) throw new Error('the g2p data is not loaded yet: load it (src/data/raw.ts, loadG2p) before building the g2p task.');
      return g2pTask(data.g2p);
    default:
      throw new Error(`unknown task '${String(id)}': use names, generate, weather, adding, digits or g2p.`);
  }
}
