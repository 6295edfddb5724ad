/**
 * One training step built from @recurrent/core directly (the same code on any backend: our
 * WebGL backend and the gpu.js backend both train through it): rnnForward, a dense layer (matmul),
 * computeLoss from logits, dense backward, rnnBackward (no input gradient: the input is data,
 * as in fit() and tfjs-layers), Adam. The loss is read back (async)
 * every step, which also waits for the GPU to finish the step.
 */
import { adam, computeLoss, createEngine, rnnBackward, rnnForward, type Backend, type CellConfig, type Engine, type Param, type Tensor } from '@recurrent/core';
import type { HostModel, Workload } from './workloads.js';

export interface Trainer {
  step(): Promise<number>;
  /** Runs the recurrent layer forward alone (training mode); for counting passes per time step. */
  forwardOnly(): void;
  dispose(): void;
}

export function oursTrainer(backend: Backend, w: Workload, m: HostModel): Trainer {
  const e: Engine = createEngine(backend);
  const { batch: B, steps: T, inputSize: D, units: H, classes: K } = w;
  const G = w.cell === 'lstm' ? 4 : w.cell === 'gru' ? 3 : 1;
  const cell: CellConfig = { kind: w.cell, inputSize: D, units: H, ...(w.cell === 'gru' ? { resetAfter: !!w.resetAfter } : {}) };
  const params: Param[] = [
    { name: 'Wx', value: e.tensor(m.Wx, [D, G * H]) },
    { name: 'Wh', value: e.tensor(m.Wh, [H, G * H]) },
    { name: 'bx', value: e.tensor(m.b, [G * H]) },
    { name: 'W', value: e.tensor(m.W, [H, K]) },
    { name: 'b', value: e.tensor(m.bd, [K]) },
  ];
  // GRU reset-after keeps the recurrent bias apart (b_hn sits inside r * (...)).
  if (w.cell === 'gru' && w.resetAfter) params.push({ name: 'bh', value: e.zeros([G * H]) });
  const x = e.tensor(m.x, [B, T, D]);
  const rows = w.perStep ? B * T : B;
  const y = e.tensor(m.y, [rows, K]);
  const loss = K === 1 ? ({ name: 'binaryCrossentropy', fromLogits: true } as const) : ({ name: 'categoricalCrossentropy', fromLogits: true } as const);
  const opt = adam({ learningRate: 1e-3 });
  const cellParams = () => {
    const [Wx, Wh, bx, , , bh] = params.map((p) => p.value);
    return { Wx, Wh, bx, bh };
  };

  return {
    async step() {
      const { grads, value } = e.scope(() => {
        const [, , , W, b] = params.map((p) => p.value);
        const f = rnnForward(e, cell, cellParams(), x, { returnSequences: w.perStep });
        const hidden = w.perStep ? f.y!.reshape([rows, H]) : f.state.h;
        const logits = e.matmul(hidden, W, { bias: b });
        const { value, grad } = computeLoss(e, loss, logits, y);
        const dW = e.matmul(hidden, grad, { transposeA: true });
        const db = e.sumBatch(grad);
        const dHidden = e.matmul(grad, W, { transposeB: true });
        const r = rnnBackward(e, f.tape!, { ...(w.perStep ? { dy: dHidden.reshape([B, T, H]) } : { dState: { h: dHidden } }), inputGrad: false });
        const g: Tensor[] = [r.grads.Wx, r.grads.Wh, r.grads.bx!, dW, db];
        if (r.grads.bh && params.length === 6) g.push(r.grads.bh);
        return { grads: g, value };
      });
      opt.step(params, grads);
      for (const g of grads) g.dispose();
      const v = (await value.data())[0];
      value.dispose();
      return v;
    },
    forwardOnly() {
      e.scope(() => {
        const f = rnnForward(e, cell, cellParams(), x, { returnSequences: w.perStep });
        f.tape?.dispose();
      });
    },
    dispose() {
      opt.dispose();
      for (const p of params) p.value.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
