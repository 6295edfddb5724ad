/** The examples `recurrent train --example NAME` runs, by name. */
import { digitsExample } from './digits.js';
import { g2pExample } from './g2p.js';
import { generateExample } from './generate.js';
import { namesExample } from './names.js';
import type { Backend } from '@recurrent/core';
import type { LayersModel } from '@recurrent/models';
import { type Example, type ExampleMeta, type ExampleName, loadSavedModel, readExampleMeta } from './runner.js';
import { stocksExample } from './stocks.js';
import { stressExample } from './stress.js';
import { weatherExample } from './weather.js';

export const EXAMPLES: Readonly<Record<ExampleName, Example>> = {
  names: namesExample,
  weather: weatherExample,
  stocks: stocksExample,
  generate: generateExample,
  digits: digitsExample,
  stress: stressExample,
  g2p: g2pExample,
};

/**
 * A model saved by `recurrent train`, with its example metadata checked field by field before
 * the model is loaded. `inference`: a missing or damaged optimizer file only costs a warning.
 */
export async function loadTrained(
  dir: string,
  backend: Backend,
  inference?: { warn: (line: string) => void },
): Promise<{ model: LayersModel; meta: ExampleMeta }> {
  const { meta, file } = readExampleMeta(dir, Object.keys(EXAMPLES));
  EXAMPLES[meta.example].checkMeta(meta, file);
  return { model: await loadSavedModel(dir, backend, inference), meta };
}

export { type Example, type ExampleMeta, type ExampleName, formatScore, META_FILE, saveTrained, type Score, type TrainSettings, type Trained } from './runner.js';
