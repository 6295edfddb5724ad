/** The examples `recurrent train --example NAME` runs, by name. */
import { digitsExample } from './digits.js';
import { generateExample } from './generate.js';
import { namesExample } from './names.js';
import type { Example, ExampleName } from './runner.js';
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
};

export { type Example, type ExampleMeta, type ExampleName, formatScore, loadTrained, saveTrained, type Score, type TrainSettings, type Trained } from './runner.js';
