/**
 * The matmul floor of a training step: the WebGL backend's own matmul calls of one step
 * (recorded with their shapes and options), replayed alone on random operands. A step can be no
 * faster than its matmuls, so tfjs-layers' time divided by this is the highest ratio to
 * tfjs-layers any amount of fusion around these matmuls could reach on this machine.
 */
import type { Backend, DataId, Kernels, OpAttrs, OpInputs, Shape, TensorInfo } from '@recurrent/core';
import type { Trainer } from './ours.js';

interface MatmulCall {
  inputs: Shape[];
  attrs: OpAttrs<'matmul'>;
  out: Shape;
}

/** Runs `trainer.step()` once and returns every matmul the backend ran in it. */
export async function recordMatmuls(backend: Backend, trainer: Trainer): Promise<MatmulCall[]> {
  const kernels = backend.kernels as Kernels;
  const original = kernels.matmul;
  const calls: MatmulCall[] = [];
  kernels.matmul = (inputs, attrs, out) => {
    calls.push({ inputs: inputs.flatMap((t) => (t ? [t.shape] : [])), attrs: { ...attrs }, out });
    return original(inputs, attrs, out);
  };
  try {
    await trainer.step();
  } finally {
    kernels.matmul = original;
  }
  return calls;
}

/** A "trainer" whose step is the recorded matmuls alone, on random operands, ending with a readback. */
export function matmulReplay(backend: Backend, calls: MatmulCall[]): Trainer & { calls: number } {
  const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
  const operands: TensorInfo[][] = calls.map((c) =>
    c.inputs.map((shape) => ({ dataId: backend.write(Float32Array.from({ length: size(shape) }, () => Math.random() - 0.5), shape), shape })),
  );
  return {
    calls: calls.length,
    async step() {
      let last: DataId | undefined;
      for (const [k, c] of calls.entries()) {
        if (last !== undefined) backend.dispose(last);
        last = backend.kernels.matmul(operands[k] as OpInputs<'matmul'>, c.attrs, c.out);
      }
      if (last === undefined) return 0;
      await backend.read(last);
      backend.dispose(last);
      return 0;
    },
    forwardOnly() {},
    dispose() {
      for (const ops of operands) for (const t of ops) backend.dispose(t.dataId);
    },
  };
}
