/**
 * `recurrent convert`: tfjs -> recurrent and recurrent -> tfjs in-process, predictions kept
 * (the formats themselves are tested against tfjs-layers in @recurrent/interop), and bad usage.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { loadTfjsModel, saveTfjsModel } from '@recurrent/interop';
import { layers, loadModel, sequential } from '@recurrent/models';
import { describe, expect, it } from 'vitest';
import { type Io, runCli } from '../src/cli.js';
import { convertCommand } from '../src/commands/convert.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-convert-'));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), progress: () => {}, env: {} };
  const code = await runCli(argv, { commands: [convertCommand], version: '0.0.0', io });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('recurrent convert', () => {
  const backend = createCpuBackend();
  const x = { data: Float64Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), shape: [2, 4, 3] };

  it('tfjs -> recurrent -> tfjs keeps the predictions', async () => {
    const model = sequential({ backend, seed: 7 }, [layers.gru({ units: 4, resetAfter: false, inputShape: [null, 3] }), layers.dense({ units: 2 })]);
    const want = Array.from((await model.predict(x)).data);
    await saveTfjsModel(model, join(dir, 'tfjs'));
    const a = await run('convert', '--from', 'tfjs', '--to', 'recurrent', join(dir, 'tfjs'), join(dir, 'ours'));
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/2 layers, 106 parameters/);
    const ours = await loadModel(join(dir, 'ours'), { backend });
    expect(Array.from((await ours.predict(x)).data)).toEqual(want);
    const b = await run('convert', '--from', 'recurrent', '--to', 'tfjs', join(dir, 'ours'), join(dir, 'tfjs2'));
    expect(b.code).toBe(0);
    const back = await loadTfjsModel(join(dir, 'tfjs2'), { backend });
    expect(Array.from((await back.predict(x)).data)).toEqual(want);
    for (const m of [model, ours, back]) m.dispose();
  });

  it('bad usage: exit 2 with one line', async () => {
    expect((await run('convert', '--from', 'onnx', '--to', 'tfjs', 'a', 'b')).stderr).toMatch(/--from must be one of tfjs, recurrent/);
    expect((await run('convert', '--from', 'tfjs', '--to', 'tfjs', 'a', 'b')).code).toBe(2);
    expect((await run('convert', '--from', 'tfjs', '--to', 'recurrent', 'a')).stderr).toMatch(/two paths/);
    const missing = await run('convert', '--from', 'tfjs', '--to', 'recurrent', join(dir, 'nothing'), join(dir, 'x'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no tfjs model here.*\(E_STATE\)/);
  });

  it('--help describes both directions and the Keras 3 route', async () => {
    const h = await run('convert', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--from recurrent --to tfjs');
    expect(h.stdout).toContain('tfjs_layers_model');
  });
});
