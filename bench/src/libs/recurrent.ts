/**
 * Our side, built from @recurrent/core directly: rnnForward / rnnBackward, a dense head as a
 * matmul, computeLoss and Adam. One engine on the chosen backend.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import {
  adam,
  computeLoss,
  createEngine,
  rnnBackward,
  rnnForward,
  type Backend,
  type CellConfig,
  type CellParams,
  type CellState,
  type Param,
  type Tensor,
} from '@recurrent/core';
import { makeBatch, makeWeights, type Workload } from '../workloads.js';
import { argmax, type Runner } from './runner.js';

export async function recurrentRunner(w: Workload, backend: Backend): Promise<Runner> {
  const e = createEngine(backend);
  const { batch: B, steps: T, features: D, units: H, classes: K } = w;
  const cell: CellConfig = { kind: w.cell, inputSize: D, units: H };
  const init = makeWeights(w);
  const params: Param[] = [
    { name: 'Wx', value: e.tensor(init.Wx, [D, init.Wx.length / D]) },
    { name: 'Wh', value: e.tensor(init.Wh, [H, init.Wh.length / H]) },
    { name: 'bx', value: e.tensor(init.bx, [init.bx.length]) },
    ...(init.bh ? [{ name: 'bh', value: e.tensor(init.bh, [init.bh.length]) }] : []),
    { name: 'Wd', value: e.tensor(init.Wd, [H, K]) },
    { name: 'bd', value: e.tensor(init.bd, [K]) },
  ];
  e.keep(params.map((p) => p.value));
  const byName = (n: string) => params.find((p) => p.name === n)?.value;
  const cellParams = (): CellParams => ({ Wx: byName('Wx')!, Wh: byName('Wh')!, bx: byName('bx'), bh: byName('bh') });
  const every = w.head === 'every';
  const loss = K === 1 ? ({ name: 'binaryCrossentropy', fromLogits: true } as const) : ({ name: 'sparseCategoricalCrossentropy', fromLogits: true } as const);

  const data = makeBatch(w);
  const x = e.keep(e.tensor(data.x, [B, T, D]));
  const target = e.keep(every ? e.tensor(data.labels, [B, T]) : e.tensor(data.labels, K === 1 ? [B, 1] : [B]));
  const one = makeBatch(w, 1, 2);
  const x1 = e.keep(e.tensor(one.x, [1, T, D]));
  const opt = adam({ learningRate: 1e-3, epsilon: 1e-7 });

  /** Dense head on [rows, H] -> logits [rows, K]. */
  const head = (h: Tensor) => e.matmul(h, byName('Wd')!, { bias: byName('bd') });

  const trainStep = () =>
    e.scope(() => {
      const f = rnnForward(e, cell, cellParams(), x, { returnSequences: every });
      const hOut = every ? f.y!.reshape([B * T, H]) : f.state.h;
      const logits = head(hOut);
      const l = computeLoss(e, loss, every ? logits.reshape([B, T, K]) : logits, target);
      const g = every ? l.grad.reshape([B * T, K]) : l.grad;
      const dWd = e.matmul(hOut, g, { transposeA: true });
      const dbd = e.sumBatch(g);
      const dh = e.matmul(g, byName('Wd')!, { transposeB: true });
      const r = rnnBackward(e, f.tape!, { ...(every ? { dy: dh.reshape([B, T, H]) } : { dState: { h: dh } }), inputGrad: false });
      const grads: Record<string, Tensor | undefined> = { ...r.grads, Wd: dWd, bd: dbd };
      opt.step(
        params,
        params.map((p) => grads[p.name]!),
      );
      return l.value.dataSync()[0];
    });

  const predict = (input: Tensor) =>
    e.scope(() => {
      const n = input.shape[0];
      const f = rnnForward(e, cell, cellParams(), input, { returnSequences: every, training: false });
      const logits = head(every ? f.y!.reshape([n * T, H]) : f.state.h);
      return (K === 1 ? e.sigmoid(logits) : e.softmax(logits)).dataSync();
    });

  const generator = () => {
    let state: CellState = e.scope(() => ({ h: e.zeros([1, H]), c: w.cell === 'lstm' ? e.zeros([1, H]) : undefined }));
    let prev = 0;
    const onehot = new Float32Array(D);
    return () => {
      onehot.fill(0);
      onehot[prev] = 1;
      const next = e.scope(() => {
        const xt = e.tensor(onehot, [1, 1, D]);
        const f = rnnForward(e, cell, cellParams(), xt, { initialState: state, returnSequences: false, training: false });
        const p = e.softmax(head(f.state.h)).dataSync();
        return { state: f.state, idx: argmax(p) };
      });
      state.h.dispose();
      state.c?.dispose();
      state = next.state;
      prev = next.idx;
    };
  };

  return {
    unit: 'batch',
    trainStep,
    predictBatch: () => predict(x),
    predictOne: () => predict(x1),
    generator: w.id === 'W4' ? generator : undefined,
    notes: [],
  };
}

export const recurrentCpu = (w: Workload, simd: boolean) =>
  recurrentRunner(w, (createCpuBackend as (o?: { simd?: boolean }) => Backend)({ simd }));
