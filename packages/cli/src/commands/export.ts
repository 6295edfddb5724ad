/**
 * `recurrent export --format pytorch|onnx`: a saved model to a PyTorch folder (model.py,
 * weights.safetensors, train.py for DistributedDataParallel, README.md) or an ONNX file.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { exportOnnx, exportPytorch } from '@recurrent/interop';
import { loadModel } from '@recurrent/models';
import { UsageError } from '../args.js';
import { backendEntry, backendFlag } from '../backends.js';
import { defineCommand } from '../cli.js';
import { META_FILE } from '../examples/runner.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'hand a saved model to PyTorch (training under DistributedDataParallel) or ONNX (serving)',
  usage: 'recurrent export --format pytorch --model DIR --out DIR\n       recurrent export --format onnx --model DIR --out FILE.onnx [--sequence-lengths]',
  flags: {
    format: { type: 'string', value: 'pytorch|onnx', required: true, description: 'the target format' },
    model: { type: 'string', value: 'DIR', required: true, description: "a saved model directory (model.save, or 'recurrent train')" },
    out: { type: 'string', value: 'PATH', required: true, description: 'the folder (pytorch) or .onnx file (onnx) to write' },
    'sequence-lengths': { type: 'boolean', description: 'onnx: add the input sequence_lens [batch] (valid steps of post-padded sequences)' },
    backend: backendFlag('to load the model on'),
  },
  details: [
    'pytorch writes model.py (an nn.Module), weights.safetensors, train.py (the compiled loss and',
    'optimizer under DistributedDataParallel), README.md (one machine, several machines) and the',
    "model itself under recurrent/; bring trained weights back with 'recurrent import'.",
    'onnx writes an opset-17 inference graph (standard RNN/LSTM/GRU operators; batch and time dynamic).',
    '',
    'Examples:',
    '  recurrent export --format pytorch --model models/names --out names-pt',
    '  recurrent export --format onnx --model models/names --out names.onnx',
  ].join('\n'),
  async run({ flags }, io) {
    const format = flags.format;
    if (format !== 'pytorch' && format !== 'onnx') throw new UsageError(`--format must be pytorch or onnx, got '${format}'.`, 'export');
    if (flags['sequence-lengths'] && format !== 'onnx') throw new UsageError('--sequence-lengths applies to --format onnx only.', 'export');
    const backend = await backendEntry(flags.backend, 'export').create();
    const model = await loadModel(flags.model, { backend });
    try {
      if (format === 'onnx') {
        const bytes = await exportOnnx(model, flags.out, { sequenceLengths: flags['sequence-lengths'] });
        io.out(`wrote ${flags.out} (${bytes.length} bytes, ONNX opset 17)`);
      } else {
        const r = await exportPytorch(model, flags.out);
        // A 'recurrent train' model keeps its example metadata, so the imported model predicts as before.
        if (existsSync(join(flags.model, META_FILE))) copyFileSync(join(flags.model, META_FILE), join(flags.out, 'recurrent', META_FILE));
        io.out(`wrote ${r.files.map((f) => join(flags.out, f)).join(', ')}`);
        // Functional models get model.py and weights only (interop writes no train.py for them yet).
        if (r.files.includes('train.py'))
          io.out(`train: python3 ${join(flags.out, 'train.py')} --data DATA.safetensors (see ${join(flags.out, 'README.md')})`);
        else io.out('no train.py: the PyTorch training script is written for sequential models only (see the interop README).');
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
});
