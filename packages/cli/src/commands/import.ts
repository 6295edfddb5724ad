/** `recurrent import --format pytorch`: trained PyTorch weights back into a saved model. */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { importPytorch } from '@recurrent/interop';
import { loadModel } from '@recurrent/models';
import { UsageError } from '../args.js';
import { backendEntry, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { META_FILE } from '../examples/runner.js';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'load weights trained in PyTorch back into a model (saved in our format)',
  usage: 'recurrent import --format pytorch --from DIR|FILE.safetensors --out DIR [--model DIR]',
  flags: {
    format: { type: 'string', value: 'pytorch', required: true, description: 'the source format' },
    from: { type: 'string', value: 'PATH', required: true, description: "a folder from 'recurrent export --format pytorch', or a weights.safetensors file (with --model)" },
    out: { type: 'string', value: 'DIR', required: true, description: 'where the model with the trained weights is saved' },
    model: { type: 'string', value: 'DIR', description: "the model to load the weights into (default: the folder's recurrent/)" },
    backend: backendFlag('to load the model on'),
  },
  details: 'Example:\n  recurrent import --format pytorch --from names-pt --out models/names-trained',
  async run({ flags }, io) {
    if (flags.format !== 'pytorch') throw new UsageError(`--format must be pytorch, got '${flags.format}'.`, 'import');
    const backend = await backendEntry(flags.backend, 'import').create();
    const source = flags.model ?? join(flags.from, 'recurrent');
    const model = flags.model ? await loadModel(flags.model, { backend }) : undefined;
    const loaded = await importPytorch(flags.from, { backend, model });
    try {
      await loaded.save(flags.out);
      if (existsSync(join(source, META_FILE))) copyFileSync(join(source, META_FILE), join(flags.out, META_FILE));
      io.out(`wrote ${flags.out} (weights from ${flags.from})`);
    } finally {
      loaded.dispose();
    }
    return 0;
  },
});
