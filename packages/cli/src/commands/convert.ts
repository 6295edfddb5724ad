/**
 * `recurrent convert`: a model from one format to another. `tfjs` is a tfjs-layers model
 * (model.json + weight shards, also Keras models converted with the TensorFlow.js converter's
 * tfjs_layers_model output); `recurrent` is @recurrent/models' own format. Weights move exactly
 * (gate order and bias layout are converted); optimizer state does not.
 */
import { loadTfjsModel, saveTfjsModel } from '@recurrent/interop';
import { loadModel, type Sequential } from '@recurrent/models';
import { UsageError } from '../args.js';
import { backendEntry } from '../backends.js';
import { defineCommand } from '../cli.js';

const FORMATS = ['tfjs', 'recurrent'] as const;
type Format = (typeof FORMATS)[number];

function format(v: string, flag: string): Format {
  if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--${flag} must be one of ${FORMATS.join(', ')}, got '${v}'.`, 'convert');
  return v as Format;
}

export const convertCommand = defineCommand({
  name: 'convert',
  summary: 'convert a model between tfjs-layers / Keras (model.json + shards) and @recurrent/models',
  usage: 'recurrent convert --from tfjs --to recurrent IN OUT\n       recurrent convert --from recurrent --to tfjs IN OUT',
  positionals: true,
  flags: {
    from: { type: 'string', value: 'FORMAT', required: true, description: "the format of IN: 'tfjs' (tfjs-layers model.json + shards) or 'recurrent'" },
    to: { type: 'string', value: 'FORMAT', required: true, description: "the format to write to OUT: 'recurrent' or 'tfjs'" },
  },
  details: [
    'IN is a directory (or its model.json); OUT is a directory, created if needed.',
    '  tfjs:      model.json + group1-shard1of1.bin, loadable by tf.loadLayersModel (tfjs-layers 4.22)',
    '  recurrent: model.json + weights.bin of @recurrent/models (loadModel)',
    'Layers: SimpleRNN, LSTM, GRU (reset_after true and false), Dense, Embedding, Dropout, Masking,',
    "Bidirectional, TimeDistributed, InputLayer. The optimizer state is not converted: training",
    'after a conversion starts a fresh optimizer. A Keras model: convert it first with',
    '  tensorflowjs_converter --input_format keras_keras --output_format tfjs_layers_model model.keras DIR',
    '  (a Keras 2 .h5 file: --input_format keras)',
    '',
    'Example:',
    '  recurrent convert --from tfjs --to recurrent models/tfjs-lstm models/lstm',
  ].join('\n'),
  async run({ flags, positionals }, io) {
    const from = format(flags.from, 'from');
    const to = format(flags.to, 'to');
    if (from === to) throw new UsageError(`--from and --to are both '${from}'; nothing to convert.`, 'convert');
    if (positionals.length !== 2)
      throw new UsageError(`convert takes two paths, IN and OUT, got ${positionals.length}: ${positionals.join(' ') || '(none)'}.`, 'convert');
    const [input, output] = positionals;
    const backend = await backendEntry('cpu', 'convert').create();
    const model: Sequential = from === 'tfjs' ? await loadTfjsModel(input, { backend }) : await loadModel(input, { backend });
    try {
      if (to === 'tfjs') await saveTfjsModel(model, output);
      else await model.save(output, { includeOptimizer: false });
      io.out(`converted ${input} (${from}) -> ${output} (${to}): ${model.layers.length} layers, ${model.countParams()} parameters`);
      for (const l of model.layers) io.out(`  ${l.name.padEnd(24)} ${l.className.padEnd(16)} ${l.countParams()} parameters`);
    } finally {
      model.dispose();
    }
    return 0;
  },
});
