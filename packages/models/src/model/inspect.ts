/**
 * `model.inspect(x, y?, options)` (or `inspect(model, x, y?, options)`): what every recurrent layer did on one batch, per example and
 * per input position: the hidden (and LSTM cell) state after the step, the gate activations, and
 * the norm of the gradient of the loss reaching that state (d loss / d h_t, the quantity whose
 * decay over t is the vanishing gradient). It runs the model's own layers and core's BPTT: the
 * states and gates come from core's tape (`tape.state(t)`, `tape.gates(t)`), the gradients from
 * `onStepGrad`, so every backend gives the same numbers to its precision.
 *
 * Cheap when not asked for: training and prediction pass no observer and compute nothing extra.
 * No dropout runs (no random masks); the weights are not changed.
 */
import { CELL_FACTS, type CellKind, type Engine, type RnnTape, type Tensor } from '@recurrent/core';
import type { HostTensor, InputData } from '../inputs.js';
import type { CallContext, RecurrentObserver } from '../layers/layer.js';
import { inBatchScope, inputActivations } from './batch-loop.js';
import type { Compiled } from './compiled.js';
import type { LayerGraph } from './graph.js';
import { graphLoss } from './train-step.js';

export interface InspectOptions {
  /** Hidden (and LSTM cell) states (default true). */
  states?: boolean;
  /** Gate activations (default true). */
  gates?: boolean;
  /** d(loss)/d(h_t) norms (default true when y is given; needs a compiled model for its loss). */
  gradients?: boolean;
}

/** [example][input position] -> one value per unit; null where the layer did not run that step (padding, masked). */
export type StepValues = (Float64Array | null)[][];

export interface LayerInspection {
  layer: string;
  kind: CellKind;
  units: number;
  /** h after each step. */
  h?: StepValues;
  /** LSTM's c after each step. */
  c?: StepValues;
  /** Gate activations by gate name (LSTM i, f, g, o; GRU r, z, n; none for SimpleRNN). */
  gates?: Record<string, StepValues>;
  /** The Euclidean norm over units of d(loss)/d(h after the step), per example and input position. */
  gradNorm?: (number | null)[][];
}

export interface Inspection {
  /** The batch loss (mean, as fit reports it), when y was given. */
  loss?: number;
  /** One entry per recurrent layer, in model order (a Bidirectional layer gives its two). */
  layers: LayerInspection[];
}

interface Recorded {
  kind: CellKind;
  units: number;
  steps: number;
  position: (b: number, t: number) => number | undefined;
  h: Tensor[];
  c: Tensor[];
  gates: Record<string, Tensor>[];
  grads: { t: number; dh: Tensor }[];
}

/**
 * `inspect(model, x, y?, options)`: the same as `model.inspect(x, y?, options)`.
 */
export function inspect(model: { inspect(x: never, y?: never, options?: InspectOptions): Promise<Inspection> }, x: InputData, y?: InputData, options: InspectOptions = {}): Promise<Inspection> {
  return model.inspect(x as never, y as never, options);
}

/** What inspecting needs of a model. */
export interface InspectTarget {
  engine: Engine;
  graph: LayerGraph;
  compiled: Compiled | undefined;
}

/**
 * What the recurrent layers report during one pass (states, gates, d loss / d h per step), kept
 * past the batch scope and read back as LayerInspections: inspect's pass, and a training step's
 * (`trainOnBatch(x, y, { observe })`, whose gradients are the ones that step applies).
 */
export interface LayerRecorder {
  observe: RecurrentObserver;
  read(batchSize: number): Promise<LayerInspection[]>;
  dispose(): void;
}

export function recordLayers(e: Engine, want: { states: boolean; gates: boolean; grads: boolean }): LayerRecorder {
  const records = new Map<string, Recorded>();
  const kept: Tensor[] = [];
  const keep = (t: Tensor): Tensor => {
    kept.push(e.keep(t));
    return t;
  };
  const observe: RecurrentObserver = {
    forward(layer: string, kind: CellKind, tape: RnnTape, position) {
      const steps = tape.steps.length;
      const r: Recorded = { kind, units: tape.cell.config.units, steps, position, h: [], c: [], gates: [], grads: [] };
      for (let t = 0; t < steps; t++) {
        if (want.states) {
          const s = tape.state(t);
          r.h.push(keep(s.h));
          if (s.c) r.c.push(keep(s.c));
        }
        if (want.gates) r.gates.push(Object.fromEntries(Object.entries(tape.gates(t)).map(([g, v]) => [g, keep(v)])));
      }
      records.set(layer, r);
    },
    stepGrad(layer, t, dh) {
      if (want.grads) records.get(layer)?.grads.push({ t, dh: keep(e.affine(dh, 1, 0)) });
    },
  };
  return {
    observe,
    async read(B) {
      const layers: LayerInspection[] = [];
      for (const [layer, r] of records) layers.push(await read(layer, r, B, want.states, want.gates, want.grads));
      return layers;
    },
    dispose() {
      for (const t of kept) t.dispose();
      kept.length = 0;
    },
  };
}

/** model.inspect's work, on checked host inputs and prepared targets (ys undefined: no loss, no gradients). */
export async function inspectModel(m: InspectTarget, xs: HostTensor[], ys: HostTensor[] | undefined, options: InspectOptions): Promise<Inspection> {
  const wantGrads = ys !== undefined && (options.gradients ?? true);
  const e = m.engine;
  const rec = recordLayers(e, { states: options.states ?? true, gates: options.gates ?? true, grads: wantGrads });
  let lossValue: Tensor | undefined;
  try {
    inBatchScope(e, undefined, (defer) => {
      // training: true keeps core's tape; no rng, so no dropout mask is drawn.
      const ctx: CallContext = { e, training: true, defer, observe: rec.observe };
      const run = m.graph.run(ctx, inputActivations(e, xs));
      if (!ys || !m.compiled) return;
      const L = graphLoss(e, m.compiled, run, ys);
      lossValue = e.keep(e.affine(L.value, 1, 0));
      if (!wantGrads) return;
      L.backward();
      run.backward();
    });
    const layers = await rec.read(xs[0].shape[0]);
    return { loss: lossValue ? (await lossValue.data())[0] : undefined, layers };
  } finally {
    lossValue?.dispose();
    rec.dispose();
  }
}

/** Host values of one layer's record, placed at each example's input positions. */
async function read(layer: string, r: Recorded, B: number, states: boolean, gates: boolean, grads: boolean): Promise<LayerInspection> {
  const grid = <V>(): (V | null)[][] => Array.from({ length: B }, () => new Array<V | null>(r.steps).fill(null));
  const place = async (ts: Tensor[]): Promise<StepValues> => {
    const g = grid<Float64Array>();
    for (const [t, v] of ts.entries()) {
      const data = Float64Array.from(await v.data());
      const H = v.shape[1];
      for (let b = 0; b < B; b++) {
        const p = r.position(b, t);
        if (p !== undefined) g[b][p] = data.slice(b * H, (b + 1) * H);
      }
    }
    return g;
  };
  const res: LayerInspection = { layer, kind: r.kind, units: r.units };
  if (states) {
    res.h = await place(r.h);
    if (r.c.length) res.c = await place(r.c);
  }
  if (gates && r.kind !== 'simpleRnn') {
    res.gates = {};
    for (const g of CELL_FACTS[r.kind].gates) res.gates[g] = await place(r.gates.map((s) => s[g]));
  }
  if (grads) {
    const norms = grid<number>();
    for (const { t, dh } of r.grads) {
      const data = await dh.data();
      const H = dh.shape[1];
      for (let b = 0; b < B; b++) {
        const p = r.position(b, t);
        if (p === undefined) continue;
        let s = 0;
        for (let j = 0; j < H; j++) s += data[b * H + j] ** 2;
        norms[b][p] = Math.sqrt(s);
      }
    }
    res.gradNorm = norms;
  }
  return res;
}
