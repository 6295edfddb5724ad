/**
 * `recurrent predict`: uses a model saved by `recurrent train`: classifies the names given
 * (names example) or forecasts from CSV files or the end of the dataset (weather, stocks).
 */
import { UsageError } from '../args.js';
import { backendEntry, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { EXAMPLES, type ExampleName, loadTrained } from '../examples/index.js';

export const predictCommand = defineCommand({
  name: 'predict',
  summary: 'classify names or forecast with a model saved by recurrent train',
  usage: 'recurrent predict --model DIR [NAME ...]    (names)\n       recurrent predict --model DIR [FILE.csv ...]    (weather, stocks)',
  positionals: true,
  flags: {
    model: { type: 'string', value: 'DIR', required: true, description: "a directory written by 'recurrent train'" },
    backend: backendFlag('to run on'),
  },
  details: [
    'A names model prints, for each NAME, female or male and P(female).',
    'A weather or stocks model forecasts the step after the last row of each FILE (a CSV with',
    "the dataset's columns); without files, it forecasts the end of the dataset (held out).",
    'A digits model draws the held-out test images with the given indices (default 0-3) as ASCII',
    'art with the digit it reads; a stress model marks the stressed vowel of each WORD; a g2p',
    'model prints the pronunciation of each WORD (ARPAbet phonemes, beam search).',
    "For a name-generation model use 'recurrent generate'.",
    '',
    'Example:',
    '  recurrent predict --model models/names Alice Bob Jordan',
  ].join('\n'),
  async run({ flags, positionals }, io) {
    const backend = await backendEntry(flags.backend, 'predict').create();
    const { model, meta } = await loadTrained(flags.model, backend, { warn: io.err });
    if (meta.example === 'generate') throw new UsageError(`${flags.model} is a name-generation model: use recurrent generate --model ${flags.model}.`, 'predict');
    if (!Object.hasOwn(EXAMPLES, meta.example)) throw new UsageError(`${flags.model} was saved by an unknown example '${meta.example}'.`, 'predict');
    await EXAMPLES[meta.example as ExampleName].use(model, meta, { inputs: positionals, count: 0, temperature: 1, seed: 0 }, io);
    model.dispose?.();
    return 0;
  },
});
