/** The examples `recurrent train --example NAME` runs, by name. */
import { generateExample } from './generate.js';
import { namesExample } from './names.js';
import type { Example, ExampleName } from './runner.js';
import { stocksExample } from './stocks.js';
import { weatherExample } from './weather.js';

export const EXAMPLES: Readonly<Record<ExampleName, Example>> = {
  names: namesExample,
  weather: weatherExample,
  stocks: stocksExample,
  generate: generateExample,
};

export { type Example, type ExampleMeta, type ExampleName, formatScore, loadTrained, saveTrained, type Score, type TrainSettings, type Trained } from './runner.js';
