/** `recurrent export --format pytorch|onnx` and `recurrent import --format pytorch`, in-process. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { input, layers, loadModel, model as functionalModel, sequential, type SymbolicTensor } from '@recurrent/models';
import { afterAll, describe, expect, it } from 'vitest';
import { type Io, runCli } from '../src/cli.js';
import { exportCommand } from '../src/commands/export.js';
import { importCommand } from '../src/commands/import.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), progress: () => {}, env: {} };
  const code = await runCli(argv, { commands: [exportCommand, importCommand], version: '0.0.0', io });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('recurrent export / import', () => {
  it('exports a saved model to PyTorch and ONNX, and imports the PyTorch weights back unchanged', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.gru({ units: 4, inputShape: [null, 2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    model.compile({ loss: 'binaryCrossentropy', optimizer: 'adam' });
    const saved = join(dir, 'model');
    await model.save(saved);
    const pt = join(dir, 'pt');
    const e = await run('export', '--format', 'pytorch', '--model', saved, '--out', pt);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    for (const f of ['model.py', 'weights.safetensors', 'train.py', 'README.md', 'recurrent/model.json']) expect(existsSync(join(pt, f)), f).toBe(true);
    expect(readFileSync(join(pt, 'model.py'), 'utf8')).toContain('nn.GRU(2, 4');
    const o = await run('export', '--format', 'onnx', '--model', saved, '--out', join(dir, 'm.onnx'), '--sequence-lengths');
    expect(o.code).toBe(0);
    expect(readFileSync(join(dir, 'm.onnx')).length).toBeGreaterThan(100);
    const i = await run('import', '--format', 'pytorch', '--from', pt, '--out', join(dir, 'back'));
    expect(i.code).toBe(0);
    const back = await loadModel(join(dir, 'back'), { backend: createCpuBackend() });
    const [a, b] = [await model.getWeights(), await back.getWeights()];
    a.forEach((w, k) => expect(Array.from(b[k].data)).toEqual(Array.from(w.data)));
  });

  it('a functional encoder-decoder exports to PyTorch (model.py and weights, no train.py, said so) and is refused by ONNX with the reason', async () => {
    const src = input({ shape: [5, 3], name: 'src' });
    const tgt = input({ shape: [4, 3], name: 'tgt' });
    const [, h, c] = layers.lstm({ units: 4, returnState: true }).apply(src) as SymbolicTensor[];
    const dec = layers.lstm({ units: 4, returnSequences: true }).apply(tgt, { initialState: [h, c] }) as SymbolicTensor;
    const out = layers.dense({ units: 2, activation: 'softmax' }).apply(dec) as SymbolicTensor;
    const m = functionalModel({ inputs: [src, tgt], outputs: out, backend: createCpuBackend(), seed: 1 });
    const saved = join(dir, 'functional');
    await m.save(saved);
    const pt = join(dir, 'functional-pt');
    const e = await run('export', '--format', 'pytorch', '--model', saved, '--out', pt);
    expect(e.code).toBe(0);
    for (const f of ['model.py', 'weights.safetensors', 'recurrent/model.json']) expect(existsSync(join(pt, f)), f).toBe(true);
    expect(existsSync(join(pt, 'train.py'))).toBe(false);
    expect(e.stdout).toContain('no train.py');
    const o = await run('export', '--format', 'onnx', '--model', saved, '--out', join(dir, 'f.onnx'));
    expect(o.code).not.toBe(0);
    expect(o.stderr).toContain('functional models');
    expect(existsSync(join(dir, 'f.onnx'))).toBe(false);
  });

  it('a bad --format is a usage error (exit 2)', async () => {
    const r = await run('export', '--format', 'keras', '--model', dir, '--out', join(dir, 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format must be pytorch or onnx');
  });
});
