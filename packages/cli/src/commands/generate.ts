/** `recurrent generate`: samples new names from a model saved by `recurrent train --example generate`. */
import { UsageError } from '../args.js';
import { backendEntry, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { EXAMPLES, loadTrained } from '../examples/index.js';
import { positiveInt } from './train.js';

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'sample new names from a model saved by recurrent train --example generate',
  usage: 'recurrent generate --model DIR [--count N] [--temperature T] [--seed N]',
  flags: {
    model: { type: 'string', value: 'DIR', required: true, description: "a directory written by 'recurrent train --example generate'" },
    count: { type: 'number', value: 'N', default: 10, description: 'names to sample' },
    temperature: { type: 'number', value: 'T', default: 0.8, description: 'below 1: likelier names; above 1: wilder ones; 0: always the likeliest character' },
    seed: { type: 'number', value: 'N', default: 1, description: 'seed of the sampling' },
    backend: backendFlag('to run on'),
  },
  details: 'Example:\n  recurrent train --example generate && recurrent generate --model models/generate --count 20 --temperature 0.7',
  async run({ flags }, io) {
    positiveInt(flags.count, 'count', 'generate');
    if (!(flags.temperature >= 0)) throw new UsageError(`--temperature must be a number >= 0, got ${flags.temperature}.`, 'generate');
    if (!Number.isSafeInteger(flags.seed)) throw new UsageError(`--seed must be an integer, got ${flags.seed}.`, 'generate');
    const backend = await backendEntry(flags.backend, 'generate').create();
    const { model, meta } = await loadTrained(flags.model, backend, { warn: io.err });
    if (meta.example !== 'generate')
      throw new UsageError(`${flags.model} is a '${meta.example}' model, not a name generator: use recurrent predict --model ${flags.model}.`, 'generate');
    await EXAMPLES.generate.use(model, meta, { inputs: [], count: flags.count, temperature: flags.temperature, seed: flags.seed }, io);
    model.dispose?.();
    return 0;
  },
});
