/**
 * Keras 3 models tfjs-layers cannot build, against PyTorch: GRU reset_after=True (Keras 3's
 * default; tfjs-layers has no reset_after) is PyTorch's nn.GRU maths, and Keras 3's hard_sigmoid
 * (relu6(x + 3) / 6) is torch's F.hardsigmoid. The topology is written with Keras 3's own config
 * field names (module / class_name / config / registered_name / build_config, InputLayer
 * batch_shape, DTypePolicy, keras_version 3.x) and Keras 3 weight paths, the weights moved from
 * PyTorch's layout to Keras's by hand here (transpose; GRU gate blocks r, z, n -> z, r, h; biases
 * [2, 3H]), independently of the converter under test.
 *
 * Needs /usr/bin/python3 with torch: without it the tests skip with a note, except under CI
 * (process.env.CI), where they fail.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { describe, expect, it } from 'vitest';
import { loadTfjsModel } from '../src/index.js';
import { expectClose, expectInformative } from './tfjs-node.js';

interface Flat {
  data: number[];
  shape: number[];
}
interface TorchCase {
  name: string;
  kind: 'gru' | 'lstm';
  recurrent_activation: string;
  units: number;
  weight_ih: Flat;
  weight_hh: Flat;
  bias_ih: Flat;
  bias_hh: Flat;
  output: Flat;
}

const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./torch/keras3_reference.py', import.meta.url));
const run = spawnSync(PYTHON, [script], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
const available = run.status === 0;
if (!available) {
  const why = `PyTorch reference skipped: ${PYTHON} ${script} failed (${run.error?.message ?? run.stderr?.trim().split('\n').pop()}). Install python3-torch.`;
  if (process.env.CI) throw new Error(`${why} CI needs it.`);
  console.warn(why);
}
const ref = available ? (JSON.parse(run.stdout) as { input: Flat; cases: TorchCase[] }) : { input: { data: [], shape: [] }, cases: [] };

/** PyTorch [G*H, R] (gate rows in `from` order) -> Keras [R, G*H] (gate columns in `to` order). */
function toKeras(w: Flat, gatesFrom: string[], gatesTo: string[]): number[] {
  const [GH, R] = w.shape;
  const H = GH / gatesFrom.length;
  const out: number[] = [];
  for (let r = 0; r < R; r++)
    for (const g of gatesTo) {
      const k = gatesFrom.indexOf(g);
      for (let j = 0; j < H; j++) out.push(w.data[(k * H + j) * R + r]);
    }
  return out;
}
const vecToKeras = (b: Flat, from: string[], to: string[]) => toKeras({ data: b.data, shape: [b.shape[0], 1] }, from, to);

const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (class_name: string, config: object = { seed: null }) => ({ module: 'keras.initializers', class_name, config, registered_name: null });

/** A Keras 3 Sequential [InputLayer, LSTM|GRU(return_sequences)] and its weights, in tfjs artifacts form. */
function keras3Artifacts(c: TorchCase, batchShape: number[]) {
  const torchGates = c.kind === 'gru' ? ['r', 'z', 'n'] : ['i', 'f', 'g', 'o'];
  const kerasGates = c.kind === 'gru' ? ['z', 'r', 'n'] : ['i', 'f', 'g', 'o'];
  const H = c.units;
  const G = torchGates.length;
  const layerName = c.kind;
  const cellConfig = {
    name: layerName,
    trainable: true,
    dtype,
    return_sequences: true,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
    zero_output_for_mask: false,
    units: H,
    activation: 'tanh',
    recurrent_activation: c.recurrent_activation,
    use_bias: true,
    kernel_initializer: init('GlorotUniform'),
    recurrent_initializer: init('Orthogonal', { gain: 1.0, seed: null }),
    bias_initializer: init('Zeros', {}),
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: 0.0,
    recurrent_dropout: 0.0,
    seed: null,
    ...(c.kind === 'gru' ? { reset_after: true, use_cudnn: 'auto' } : { unit_forget_bias: true, use_cudnn: 'auto' }),
  };
  const modelTopology = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      trainable: true,
      dtype,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: batchShape, dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        { module: 'keras.layers', class_name: c.kind === 'gru' ? 'GRU' : 'LSTM', config: cellConfig, registered_name: null, build_config: { input_shape: batchShape } },
      ],
      build_input_shape: batchShape,
    },
    keras_version: '3.6.0',
    backend: 'tensorflow',
  };
  const kernel = toKeras(c.weight_ih, torchGates, kerasGates);
  const recurrent = toKeras(c.weight_hh, torchGates, kerasGates);
  const bi = vecToKeras(c.bias_ih, torchGates, kerasGates);
  const bh = vecToKeras(c.bias_hh, torchGates, kerasGates);
  // Keras 3: GRU reset_after keeps both biases as [2, 3H]; LSTM has one bias, b_ih + b_hh.
  const bias = c.kind === 'gru' ? [...bi, ...bh] : bi.map((v, i) => v + bh[i]);
  const D = c.weight_ih.shape[1];
  const path = (w: string) => `sequential/${layerName}/${layerName}_cell/${w}`;
  const weightSpecs = [
    { name: path('kernel'), shape: [D, G * H], dtype: 'float32' },
    { name: path('recurrent_kernel'), shape: [H, G * H], dtype: 'float32' },
    { name: path('bias'), shape: c.kind === 'gru' ? [2, G * H] : [G * H], dtype: 'float32' },
  ];
  const weightData = Float32Array.from([...kernel, ...recurrent, ...bias]).buffer;
  return { modelTopology, weightSpecs, weightData, format: 'layers-model' };
}

describe.skipIf(!available)('Keras 3 models against PyTorch (GRU reset_after=True, Keras 3 hard_sigmoid)', () => {
  it.each(ref.cases.map((c) => [c.name, c] as const))('%s: loadTfjsModel predicts what PyTorch computes', async (_name, c) => {
    const [B, T, D] = ref.input.shape;
    const model = await loadTfjsModel(keras3Artifacts(c, [null as unknown as number, T, D]), { backend: createCpuBackend() });
    const layer = model.layers[0] as unknown as { recurrentActivation: string; resetAfter: boolean };
    expect(layer.recurrentActivation).toBe(c.recurrent_activation === 'hard_sigmoid' ? 'hardSigmoidKeras3' : 'sigmoid');
    if (c.kind === 'gru') expect(layer.resetAfter).toBe(true);
    const p = await model.predict({ data: Float64Array.from(ref.input.data), shape: [B, T, D] });
    expect(p.shape).toEqual(c.output.shape);
    expectInformative(c.output.data, c.name);
    expectClose(p.data, c.output.data, c.name);
    model.dispose();
  });
});
