/**
 * Functional models exported to PyTorch: an encoder-decoder whose encoder's final states start
 * the decoder (LSTM and GRU, two inputs, dense softmax) gives, in model.py's
 * forward(encoder_input, decoder_input) run by PyTorch, what our predict gives. Topologies the
 * export cannot run are an UnsupportedExportError naming the layer; ONNX refuses functional models.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { type Functional, type HostTensor, input, layers, model, type Prediction, type SymbolicTensor } from '@recurrent/models';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPytorch, toOnnx, UnsupportedExportError } from '../src/index.js';
import { lcg } from './helpers/cases.js';
import { expectClose } from './helpers/close.js';
import { runPython, torchPython } from './helpers/python.js';

const PY = torchPython();
const root = mkdtempSync(join(tmpdir(), 'interop-pt-graph-'));
afterAll(() => process.env.KEEP17 ? undefined : rmSync(root, { recursive: true, force: true }));

const B = 3;

function randomize(m: Functional, seed: number): void {
  const r = lcg(seed);
  m.setWeights(m.params.map((p) => ({ data: Float32Array.from({ length: p.value.size }, () => (r() - 0.5) * 1.2), shape: [...p.value.shape] })));
}

function data(seed: number, shape: number[], indices?: number): HostTensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => (indices ? 1 + Math.floor(r() * (indices - 1)) : (r() - 0.5) * 2)), shape };
}

interface GraphCase {
  name: string;
  model: Functional;
  xs: HostTensor[];
}

function encoderDecoder(cell: 'lstm' | 'gru', seed: number, extra: { resetAfter?: boolean } = {}): Functional {
  const source = input({ shape: [5, 3], name: 'encoder_input' });
  const target = input({ shape: [4, 2], name: 'decoder_input' });
  const rnn = cell === 'lstm' ? layers.lstm : layers.gru;
  const [, ...states] = rnn({ units: 4, returnState: true, name: 'encoder', ...extra }).apply(source) as SymbolicTensor[];
  const decoded = rnn({ units: 4, returnSequences: true, name: 'decoder', ...extra }).apply(target, { initialState: states }) as SymbolicTensor;
  const out = layers.dense({ units: 6, activation: 'softmax', name: 'next' }).apply(decoded) as SymbolicTensor;
  const m = model({ inputs: [source, target], outputs: out, backend: createCpuBackend(), seed });
  randomize(m, seed);
  return m;
}

/** Token ids with zero padding (embedding maskZero), the encoder's states also an output. */
function maskedSeq2seq(seed: number): Functional {
  const source = input({ shape: [5], dtype: 'int32', name: 'source' });
  const target = input({ shape: [4], dtype: 'int32', name: 'target_in' });
  const [, h, c] = layers
    .lstm({ units: 4, returnState: true, name: 'enc' })
    .apply(layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, name: 'src_emb' }).apply(source) as SymbolicTensor) as SymbolicTensor[];
  const decoded = layers
    .lstm({ units: 4, returnSequences: true, name: 'dec' })
    .apply(layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, name: 'tgt_emb' }).apply(target) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor;
  const next = layers.dense({ units: 9, activation: 'softmax', name: 'next' }).apply(decoded) as SymbolicTensor;
  const m = model({ inputs: [source, target], outputs: [next, h], backend: createCpuBackend(), seed });
  randomize(m, seed);
  return m;
}

function withPadding(x: HostTensor, zeros: [number, number][]): HostTensor {
  const T = x.shape[1];
  const d = Float32Array.from(x.data);
  for (const [b, t] of zeros) d[b * T + t] = 0;
  return { data: d, shape: x.shape };
}

const cases = (): GraphCase[] => [
  { name: 'LSTM encoder -> [h, c] -> LSTM decoder, dense softmax', model: encoderDecoder('lstm', 1), xs: [data(11, [B, 5, 3]), data(12, [B, 4, 2])] },
  { name: 'GRU encoder -> h -> GRU decoder, dense softmax', model: encoderDecoder('gru', 2), xs: [data(21, [B, 5, 3]), data(22, [B, 4, 2])] },
  { name: 'GRU (reset before, explicit cell) encoder -> decoder', model: encoderDecoder('gru', 3, { resetAfter: false }), xs: [data(31, [B, 5, 3]), data(32, [B, 4, 2])] },
  {
    name: 'embeddings with maskZero (padded ids), LSTM state passing, outputs [next, encoder h]',
    model: maskedSeq2seq(4),
    xs: [withPadding(data(41, [B, 5], 9), [[0, 4], [0, 3], [1, 4], [2, 0]]), withPadding(data(42, [B, 4], 9), [[1, 3], [2, 2], [2, 3]])],
  },
];

describe.skipIf(!PY)('exported functional model.py (PyTorch) == predict', () => {
  it('encoder-decoders with state passing, one PyTorch run', async () => {
    const all = cases();
    const ours: Prediction[][] = [];
    const jobs = [];
    for (const [i, c] of all.entries()) {
      const dir = join(root, `g${i}`);
      await exportPytorch(c.model, dir);
      const p = await c.model.predict(c.xs);
      ours.push(Array.isArray(p) ? p : [p]);
      jobs.push({ dir, inputs: c.xs.map((x) => ({ data: Array.from(x.data), shape: x.shape })) });
    }
    const jobFile = join(root, 'jobs.json');
    writeFileSync(jobFile, JSON.stringify(jobs));
    const torch = (JSON.parse(await runPython(PY!, [join(__dirname, 'helpers', 'run_models.py'), jobFile])) as { outputs: { data: number[]; shape: number[] }[] }[]).map(
      (r) => r.outputs,
    );
    all.forEach((c, i) => {
      expect(torch[i].length, c.name).toBe(ours[i].length);
      ours[i].forEach((o, k) => {
        expect(torch[i][k].shape, `${c.name}: output ${k}`).toEqual(o.shape);
        expectClose(o.data, torch[i][k].data, `${c.name}: output ${k}`);
      });
      c.model.dispose();
    });
  }, 300_000);
});

describe('functional topologies the exporters cannot run', () => {
  it('a merge layer is an UnsupportedExportError naming it (PyTorch)', async () => {
    const a = input({ shape: [5, 3], name: 'a' });
    const b = input({ shape: [5, 3], name: 'b' });
    const cat = layers.concatenate({ name: 'joined' }).apply([layers.lstm({ units: 2 }).apply(a) as SymbolicTensor, layers.gru({ units: 2 }).apply(b) as SymbolicTensor]) as SymbolicTensor;
    const m = model({ inputs: [a, b], outputs: cat, backend: createCpuBackend(), seed: 1 });
    const err = await exportPytorch(m, join(root, 'merge')).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedExportError);
    expect((err as UnsupportedExportError).layer).toBe('joined');
    m.dispose();
  });

  it('ONNX refuses a functional model with UnsupportedExportError', async () => {
    const m = encoderDecoder('lstm', 5);
    const err = await toOnnx(m as never).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedExportError);
    expect((err as Error).message).toMatch(/functional models/);
    m.dispose();
  });
});
