/**
 * The proof of the distributed path: the same model, data and initial weights trained for 20
 * steps (a) by our fit in one process, global batch 32, no shuffling, and (b) by the exported
 * train.py under DistributedDataParallel with 2 CPU processes of 16 samples each (gloo over
 * loopback, launched with MASTER_ADDR / MASTER_PORT / RANK / WORLD_SIZE), imported back: the
 * weights agree within float32 tolerance. The data has variable lengths (packed sequences), the
 * optimizer is Adam with our epsilon, a decaying learning rate and global-norm clipping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { schedules } from '@recurrent/core';
import { layers, optimizers, type Sequential, sequential } from '@recurrent/models';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPytorch, importPytorch } from '../src/index.js';
import { lcg } from './helpers/cases.js';
import { runPython, torchPython } from './helpers/python.js';

const PY = torchPython();
const root = mkdtempSync(join(tmpdir(), 'interop-ddp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!PY)('train.py under DistributedDataParallel == fit', () => {
  it('2 gloo processes x 16 samples, 20 Adam steps: the same weights as fit with batch 32', async () => {
    const N = 64;
    const T = 6;
    const D = 3;
    const r = lcg(7);
    const x = Float32Array.from({ length: N * T * D }, () => r() * 2 - 1);
    const mask = new Uint8Array(N * T);
    const y = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      const len = 2 + (n % (T - 1));
      mask.fill(1, n * T, n * T + len);
      x.fill(0, (n * T + len) * D, (n + 1) * T * D);
      y[n] = x[n * T * D] + x[n * T * D + 1] > 0 ? 1 : 0;
    }
    const build = () => {
      const m = sequential({ backend: createCpuBackend(), seed: 3 }, [
        layers.lstm({ units: 8, returnSequences: true, inputShape: [null, D] }),
        layers.gru({ units: 6 }),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ]);
      m.compile({
        loss: 'binaryCrossentropy',
        optimizer: optimizers.adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 10, decayRate: 0.5 }), clipNorm: 1 }),
      });
      return m;
    };
    const ours = build();
    const dir = join(root, 'exported');
    const xs = { data: x, shape: [N, T, D], mask };
    await exportPytorch(ours, dir, { fit: { x: xs, y: { data: y, shape: [N, 1] }, epochs: 10, batchSize: 32, shuffle: false } });
    await ours.fit(xs, { data: y, shape: [N, 1] }, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });

    await ddpMatchesFit(ours, dir, 'lstm -> gru -> dense sigmoid, adam + schedule + clipNorm');
    ours.dispose();
  }, 600_000); // two Python processes; a loaded CI machine can take minutes to import torch

  it('embedding maskZero (pre-padding) -> bidirectional GRU reset-before, hard sigmoid -> softmax; SGD nesterov + clipValue', async () => {
    const N = 64;
    const T = 6;
    const r = lcg(11);
    const x = new Float32Array(N * T);
    const y = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      const pad = n % 3;
      for (let t = pad; t < T; t++) x[n * T + t] = 1 + Math.floor(r() * 8);
      y[n] = x[n * T + T - 1] % 3;
    }
    const ours = sequential({ backend: createCpuBackend(), seed: 4 }, [
      layers.embedding({ inputDim: 9, outputDim: 4, maskZero: true, inputShape: [null] }),
      layers.bidirectional({ layer: layers.gru({ units: 5, resetAfter: false, recurrentActivation: 'hardSigmoidKeras2' }) }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    ours.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: optimizers.sgd({ learningRate: 0.2, momentum: 0.9, nesterov: true, clipValue: 0.5 }) });
    const dir = join(root, 'exported-embedding');
    const xs = { data: x, shape: [N, T] };
    await exportPytorch(ours, dir, { fit: { x: xs, y: { data: y, shape: [N] }, epochs: 10, batchSize: 32, shuffle: false } });
    await ours.fit(xs, { data: y, shape: [N] }, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
    await ddpMatchesFit(ours, dir, 'embedding -> bidirectional gru (reset before, hard sigmoid) -> softmax, sgd');
    ours.dispose();
  }, 600_000);
});

/** Runs train.py under DDP (2 gloo processes), imports it back, and compares with `ours` (already fit). */
async function ddpMatchesFit(ours: Sequential, dir: string, what: string): Promise<void> {
  const port = String(await freePort());
  const env = (rank: number) => ({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, RANK: String(rank), WORLD_SIZE: '2', GLOO_SOCKET_IFNAME: 'lo' });
  const script = join(dir, 'train.py');
  const [log] = await Promise.all([runPython(PY!, [script, '--cpu'], env(0)), runPython(PY!, [script, '--cpu'], env(1))]);
  expect(log).toContain('epoch 10/10');

  const back = await importPytorch(dir, { backend: createCpuBackend() });
  const want = await ours.getWeights();
  const got = await back.getWeights();
  expect(got.map((w) => w.name)).toEqual(want.map((w) => w.name));
  let worst = 0;
  let worstAbs = 0;
  let moved = 0;
  const initial = await (await importPytorchInitial(dir)).getWeights();
  want.forEach((w, i) => {
    for (let k = 0; k < w.data.length; k++) {
      worst = Math.max(worst, Math.abs(got[i].data[k] - w.data[k]) / (1e-5 + 1e-3 * Math.abs(w.data[k])));
      worstAbs = Math.max(worstAbs, Math.abs(got[i].data[k] - w.data[k]));
      moved = Math.max(moved, Math.abs(w.data[k] - initial[i].data[k]));
    }
  });
  console.log(`${what}: DDP vs fit after 20 steps: max |difference| ${worstAbs.toExponential(2)}, largest weight change ${moved.toFixed(3)}`);
  expect(moved, 'training changed the weights').toBeGreaterThan(0.05);
  expect(worst, 'largest |ddp - fit| / (1e-5 + 1e-3 |fit|)').toBeLessThanOrEqual(1);
  back.dispose();
}

/** The exported initial weights (recurrent/ holds the model as exported, before fit). */
async function importPytorchInitial(dir: string) {
  const { loadModel } = await import('@recurrent/models');
  return loadModel(join(dir, 'recurrent'), { backend: createCpuBackend() });
}
