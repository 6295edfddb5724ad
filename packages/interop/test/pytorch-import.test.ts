/**
 * importPytorch validates the file against the model before any weight changes; exports refuse
 * what they cannot reproduce with a typed error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { layers, sequential } from '@recurrent/models';
import { untypedError } from '@recurrent/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx, exportPytorch, importPytorch, readSafetensors, SafetensorsError, type SafetensorsTensor, UnsupportedExportError, writeSafetensors } from '../src/index.js';
import { damagedSafetensors } from './helpers/damaged-safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'interop-imp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const build = (seed: number) =>
  sequential({ backend: createCpuBackend(), seed }, [layers.lstm({ units: 3, inputShape: [null, 2] }), layers.dense({ units: 1 })]);

describe('importPytorch', () => {
  it('a round trip without training gives the same weights; b_hh trained elsewhere folds into the single bias', async () => {
    const a = build(1);
    const dir = join(root, 'rt');
    await exportPytorch(a, dir);
    const b = build(2);
    await importPytorch(join(dir, 'weights.safetensors'), { model: b });
    // Handles stay flat: exporting and importing again allocate nothing that outlives the call.
    const before = b.engine.memory();
    for (let k = 0; k < 3; k++) {
      await exportPytorch(b, join(root, `again${k}`));
      await importPytorch(join(dir, 'weights.safetensors'), { model: b });
    }
    expect(b.engine.memory()).toEqual(before);
    const [wa, wb] = [await a.getWeights(), await b.getWeights()];
    wa.forEach((w, i) => expect(Array.from(wb[i].data)).toEqual(Array.from(w.data)));
    // PyTorch trained bias_hh too (a training loop that did not freeze it): bias = b_ih + b_hh.
    const { tensors } = readSafetensors(readFileSync(join(dir, 'weights.safetensors')));
    const entries = [...tensors].map(([k, t]): [string, SafetensorsTensor] => [k, { data: k === 'lstm.bias_hh_l0' ? t.data.map(() => 0.25) : t.data, shape: t.shape }]);
    const f = join(root, 'bhh.safetensors');
    writeFileSync(f, writeSafetensors(entries));
    await importPytorch(f, { model: b });
    const bias = (await b.getWeights())[2];
    expect(bias.name).toBe('lstm/bias');
    Array.from(bias.data).forEach((v, i) => expect(v).toBeCloseTo(wa[2].data[i] + 0.25, 6));
    a.dispose();
    b.dispose();
  });

  it('a file from another model, a wrong shape or a non-finite weight: SafetensorsError, weights untouched', async () => {
    const a = build(1);
    const dir = join(root, 'bad');
    await exportPytorch(a, dir);
    const { tensors } = readSafetensors(readFileSync(join(dir, 'weights.safetensors')));
    const variant = (edit: (k: string, t: { data: Float32Array | Float64Array; shape: number[] }) => [string, { data: ArrayLike<number>; shape: number[] }] | undefined) => {
      const f = join(root, `v${Math.random()}.safetensors`);
      writeFileSync(f, writeSafetensors([...tensors].flatMap(([k, t]) => { const r = edit(k, t); return r ? [r] : []; })));
      return f;
    };
    const before = await a.getWeights();
    const cases: [string, string][] = [
      [variant((k, t) => (k === 'dense.bias' ? undefined : [k, t])), 'name'],
      [variant((k, t) => [k === 'dense.bias' ? 'dense.extra' : k, t]), 'name'],
      [variant((k, t) => (k === 'dense.weight' ? [k, { data: [1, 2, 3, 4], shape: [1, 4] }] : [k, t])), 'shape'],
      [variant((k, t) => (k === 'dense.bias' ? [k, { data: [Number.NaN], shape: [1] }] : [k, t])), 'non-finite'],
    ];
    for (const [f, problem] of cases) {
      const err = await importPytorch(f, { model: a }).catch((e) => e);
      expect(err, problem).toBeInstanceOf(SafetensorsError);
      expect((err as SafetensorsError).problem).toBe(problem);
    }
    const after = await a.getWeights();
    before.forEach((w, i) => expect(Array.from(after[i].data)).toEqual(Array.from(w.data)));
    await expect(importPytorch(join(dir, 'weights.safetensors'))).rejects.toBeInstanceOf(UnsupportedExportError);
    a.dispose();
  });

  it('400 damaged weight files (seeded mutations of the header and the bytes): imported with finite weights, or a typed error with the weights untouched', async () => {
    const a = build(1);
    const dir = join(root, 'fuzz');
    await exportPytorch(a, dir);
    const good = readFileSync(join(dir, 'weights.safetensors'));
    const failures: string[] = [];
    const outcomes = { imported: 0, refused: 0 };
    for (let seed = 1; seed <= 400; seed++) {
      const d = damagedSafetensors(good, seed);
      const f = join(root, 'fuzz.safetensors');
      writeFileSync(f, d.bytes);
      const before = await a.getWeights();
      const err = await importPytorch(f, { model: a }).then(
        () => null,
        (e: unknown) => e,
      );
      const after = await a.getWeights();
      if (err === null) {
        outcomes.imported++;
        if (!after.every((w) => w.data.every(Number.isFinite))) failures.push(`${d.what}: imported a non-finite weight`);
      } else {
        const bad = untypedError('import', err);
        if (bad) failures.push(`${d.what}: ${bad}`);
        else outcomes.refused++;
        if (!before.every((w, i) => after[i].data.every((v, j) => Object.is(v, w.data[j])))) failures.push(`${d.what}: refused, but weights changed`);
      }
    }
    expect(failures.slice(0, 20).join('\n')).toBe('');
    expect(outcomes.imported).toBeGreaterThan(10); // both ends ran (15 of 400 import on 2026-12-04)
    expect(outcomes.refused).toBeGreaterThan(200);
    a.dispose();
  });

  it('exports refuse stateful layers and recurrentDropout in train.py with UnsupportedExportError', async () => {
    const s = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.lstm({ units: 2, stateful: true, batchInputShape: [2, null, 2] })]);
    await expect(exportOnnx(s, join(root, 's.onnx'))).rejects.toMatchObject({ code: 'E_CONFIG', layer: 'lstm', format: 'onnx' });
    const r = sequential({ backend: createCpuBackend(), seed: 1 }, [layers.gru({ units: 2, recurrentDropout: 0.2, inputShape: [null, 2] })]);
    r.compile({ loss: 'mse', optimizer: 'adam' });
    await expect(exportPytorch(r, join(root, 'rd'))).rejects.toBeInstanceOf(UnsupportedExportError);
    s.dispose();
    r.dispose();
  });
});
