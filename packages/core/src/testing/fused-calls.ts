/**
 * One call of every fused op on random [B, w*H] inputs, for tests that count a backend's shader
 * passes or dispatches per fused op (with the fused kernel, and with core's fallback). The
 * table is exhaustive over the step ops, so a new fused op is a compile error here until it has
 * its inputs.
 */
import type { FusedName, StepFusedName } from '../backend.js';
import type { Engine } from '../engine.js';
import type { RecurrentActivation } from '../recurrent-activation.js';

type Attrs = (recurrentActivation: RecurrentActivation) => Record<string, unknown>;
const gates: Attrs = (recurrentActivation) => ({ recurrentActivation });
const none: Attrs = () => ({});

/** The step ops only: the whole-sequence ops are loops of them (their work is T times a step's). */
type StepOp = StepFusedName;

/** Each step op's input widths in units of H (every input is [B, w*H]) and its attributes. */
const FUSED_CALLS: { [K in StepOp]: { widths: number[]; attrs: Attrs } } = {
  simpleRnnCell: { widths: [1, 1], attrs: () => ({ activation: 'tanh' }) },
  lstmCell: { widths: [4, 4, 1], attrs: gates },
  lstmCellGrad: { widths: [4, 1, 1, 1, 1], attrs: gates },
  gruCell: { widths: [3, 3, 1], attrs: gates },
  gruCellGrad: { widths: [4, 1, 1], attrs: gates },
  gruBeforeGates: { widths: [3, 2, 1], attrs: gates },
  gruBeforeState: { widths: [3, 1, 2, 1], attrs: none },
  gruBeforeGradN: { widths: [2, 1, 1], attrs: none },
  gruBeforeGrad: { widths: [2, 1, 1, 1, 1], attrs: gates },
  adamUpdate: { widths: [1, 1, 1, 1], attrs: () => ({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1, decoupledDecay: 0 }) },
};

/** [op, call] for every fused op; each call makes its inputs from `values` and runs `e.fused`. */
export function fusedOpCalls(
  e: Engine,
  opts: { batch: number; units: number; values: (n: number) => number[]; recurrentActivation?: RecurrentActivation },
): [FusedName, () => unknown][] {
  const { batch: B, units: H, values } = opts;
  return (Object.keys(FUSED_CALLS) as StepOp[]).map((op) => {
    const { widths, attrs } = FUSED_CALLS[op];
    const call = () =>
      (e.fused as (op: FusedName, inputs: unknown[], attrs: unknown) => unknown)(
        op,
        widths.map((w) => e.tensor(values(B * w * H), [B, w * H])),
        attrs(opts.recurrentActivation ?? 'sigmoid'),
      );
    return [op, call];
  });
}

/**
 * A backend counter's increase over one call of each fused op (`reset` then `read` around the
 * call; the inputs are made inside it, so count only GPU work, not uploads), with the backend's
 * fused kernels (`fused`) or with core's fallbacks. Every tensor made is freed.
 */
export function workPerFusedOp(
  e: Engine,
  opts: Parameters<typeof fusedOpCalls>[1] & { fused: boolean; reset: () => void; read: () => number },
): Record<string, number> {
  return e.scope(() => {
    const was = e.useFused;
    e.useFused = opts.fused;
    const out: Record<string, number> = {};
    try {
      for (const [op, call] of fusedOpCalls(e, opts)) {
        opts.reset();
        call();
        out[op] = opts.read();
      }
    } finally {
      e.useFused = was;
    }
    return out;
  });
}
