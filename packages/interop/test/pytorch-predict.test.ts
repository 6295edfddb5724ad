/**
 * For every layer and option the PyTorch export maps: our predict equals the exported model.py
 * with weights.safetensors, run by PyTorch (the reference), within float32 tolerance.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { layers, type Prediction, sequential } from '@recurrent/models';
import { exportPytorch } from '../src/index.js';
import { cases } from './helpers/cases.js';
import { expectClose } from './helpers/close.js';
import { runPython, torchPython } from './helpers/python.js';

const PY = torchPython();
const root = mkdtempSync(join(tmpdir(), 'interop-pt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!PY)('exported model.py (PyTorch) == predict', () => {
  const all = cases();
  it(`${all.length} models, one PyTorch run`, async () => {
    const jobs = [];
    const ours: Prediction[] = [];
    for (const [i, c] of all.entries()) {
      const dir = join(root, `m${i}`);
      await exportPytorch(c.model, dir);
      ours.push(await c.model.predict(c.x));
      jobs.push({
        dir,
        x: { data: Array.from(c.x.data), shape: c.x.shape },
        lengths: c.lengths,
        mask: c.lengths ? undefined : c.x.mask ? Array.from(c.x.mask) : undefined,
      });
    }
    const jobFile = join(root, 'jobs.json');
    writeFileSync(jobFile, JSON.stringify(jobs));
    const torch = JSON.parse(await runPython(PY!, [join(__dirname, 'helpers', 'run_models.py'), jobFile])) as {
      y: { data: number[]; shape: number[] };
      states?: { data: number[]; shape: number[] }[];
    }[];
    all.forEach((c, i) => {
      expect(torch[i].y.shape, c.name).toEqual(ours[i].shape);
      expectClose(ours[i].data, torch[i].y.data, c.name);
      if (ours[i].states) {
        expect(torch[i].states?.length, `${c.name}: states`).toBe(ours[i].states!.length);
        ours[i].states!.forEach((s, k) => expectClose(s.data, torch[i].states![k].data, `${c.name}: state ${k}`));
      }
    });
    for (const c of all) c.model.dispose();
  }, 300_000);

  it('names from a model file stay inert text in the generated Python', async () => {
    const name = `x'''"""\nimport os; os.system('echo PWNED')`;
    const m = sequential({ backend: createCpuBackend(), seed: 1, name }, [layers.lstm({ units: 2, name: 'a\nimport os', inputShape: [null, 2] })]);
    m.compile({ loss: 'mse', optimizer: 'adam' });
    const dir = join(root, 'hostile-names');
    await exportPytorch(m, dir);
    const check = `import sys, ast; sys.path.insert(0, ${JSON.stringify(dir)}); import model; ast.parse(open(${JSON.stringify(join(dir, 'train.py'))}).read()); print(model.load())`;
    const out = await runPython(PY!, ['-c', check]);
    expect(out).not.toContain('PWNED');
    expect(out).toContain('LSTM(2, 2');
    m.dispose();
  }, 300_000);
});
