/**
 * Runs every case of a `recurrent-reference/1` fixture on an engine and reports, per case and
 * per quantity, the max absolute and relative error against the tolerance. Nothing here knows
 * the sizes or names of the cases in any particular file.
 */
import { rnnBackward, rnnForward } from '../bptt.js';
import { joinGates, splitGates, type CellConfig, type CellParams } from '../cells/index.js';
import { clipByGlobalNorm } from '../clip.js';
import type { Engine, Tensor } from '../engine.js';
import { FixtureError } from '../errors.js';
import { computeLoss, labelTensor, parseLossName } from '../losses.js';
import { fromPyTorch, type Param } from '../optimizers.js';
import { compare, type CaseReport, type Check, type FixtureReport } from './compare.js';
import { CELL_GATES, type CellType, type Fixture, type TensorData, type TensorMap, type TrainingCase } from './fixture-format.js';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Tolerances {
  /** Cell outputs, loss values, optimizer updates. */
  forward: Tolerance;
  /** Gradients (cells over many steps, losses). */
  grads: Tolerance;
  /** A whole training run: the loss before each step. */
  training: Tolerance;
  /** A whole training run: the final parameters. */
  trainingParams: Tolerance;
}

/**
 * The tolerances of the fixtures README for float32; near machine precision for float64.
 * Training runs: the README asks for the loss curve to about 1e-4 relative, and that is what is
 * checked (1e-6 + 1e-4 relative); the final parameters within 1e-5 + 1e-4 relative. Measured on
 * the reference fixture's three runs (cpu fused and not, gpujs webasm / cpu / browser, webgl):
 * loss curves within 1.6e-7 absolute and 5.9e-7 relative, final parameters within 3.4e-6 absolute.
 */
export function defaultTolerances(precision: 'float32' | 'float64'): Tolerances {
  return precision === 'float64'
    ? {
        forward: { atol: 1e-10, rtol: 1e-9 },
        grads: { atol: 1e-10, rtol: 1e-9 },
        training: { atol: 1e-9, rtol: 1e-8 },
        trainingParams: { atol: 1e-9, rtol: 1e-8 },
      }
    : {
        forward: { atol: 1e-5, rtol: 1e-4 },
        grads: { atol: 1e-4, rtol: 1e-3 },
        training: { atol: 1e-6, rtol: 1e-4 },
        trainingParams: { atol: 1e-5, rtol: 1e-4 },
      };
}

export interface RunFixtureOptions {
  tolerances?: Partial<Tolerances>;
  /** Only cases whose name contains this text. */
  filter?: string;
}

const CELL_CONFIG: { [C in CellType]: Omit<CellConfig, 'inputSize' | 'units'> } = {
  simple_rnn: { kind: 'simpleRnn' },
  lstm: { kind: 'lstm' },
  gru: { kind: 'gru', resetAfter: true },
  gru_reset_before: { kind: 'gru', resetAfter: false },
};

const up = (e: Engine, t: TensorData): Tensor => e.tensor(t.data, t.shape);

/** A fixture's per-gate parameters (`W_x<g>`, ...) as our gate-concatenated CellParams. */
function cellParams(e: Engine, cell: CellType, params: TensorMap): CellParams {
  const join = (prefix: string) => joinGates(e, CELL_GATES[cell].map((g) => up(e, params[prefix + g])));
  return e.scope(() => ({ Wx: join('W_x'), Wh: join('W_h'), bx: join('b_x'), bh: join('b_h') }));
}

/** Our CellParams (or their gradients) back as per-gate arrays named like the fixture. */
function perGate(e: Engine, cell: CellType, p: Partial<Record<'Wx' | 'Wh' | 'bx' | 'bh', Tensor>>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const gates = CELL_GATES[cell];
  for (const [ours, prefix] of [['Wx', 'W_x'], ['Wh', 'W_h'], ['bx', 'b_x'], ['bh', 'b_h']] as const) {
    const t = p[ours];
    if (!t) continue;
    const parts = splitGates(e, t, gates.length);
    parts.forEach((part, k) => {
      out[prefix + gates[k]] = Float64Array.from(part.dataSync());
      part.dispose();
    });
  }
  return out;
}

const configFor = (c: { cell: CellType; inputSize: number; units: number; recurrentActivation?: CellConfig['recurrentActivation'] }): CellConfig => ({
  ...CELL_CONFIG[c.cell],
  inputSize: c.inputSize,
  units: c.units,
  ...(c.recurrentActivation ? { recurrentActivation: c.recurrentActivation } : {}),
});

function runCase(section: CaseReport['section'], name: string, fn: () => Check[]): CaseReport {
  try {
    const checks = fn();
    return { section, name, pass: checks.every((c) => c.pass), checks };
  } catch (err) {
    return { section, name, pass: false, checks: [], error: (err as Error).message ?? String(err) };
  }
}

function cellCase(e: Engine, c: Fixture['cells'][number], tol: Tolerances): Check[] {
  return e.scope(() => {
    const params = cellParams(e, c.cell, c.params);
    const lstm = c.cell === 'lstm';
    const f = rnnForward(e, configFor(c), params, up(e, c.inputs.x), {
      initialState: { h: up(e, c.inputs.h0), c: lstm ? up(e, c.inputs.c0) : undefined },
      name: c.name,
    });
    const checks: Check[] = [
      compare('y', f.y!.dataSync(), c.outputs.y.data, tol.forward.atol, tol.forward.rtol),
      compare('hT', f.state.h.dataSync(), c.outputs.hT.data, tol.forward.atol, tol.forward.rtol),
    ];
    if (lstm) checks.push(compare('cT', f.state.c!.dataSync(), c.outputs.cT.data, tol.forward.atol, tol.forward.rtol));
    const b = rnnBackward(e, f.tape!, {
      dy: up(e, c.inputs.dy),
      dState: { h: up(e, c.inputs.dhT), c: lstm ? up(e, c.inputs.dcT) : undefined },
    });
    const g = { ...perGate(e, c.cell, b.grads), x: b.dx.dataSync(), h0: b.dState0.h.dataSync(), ...(lstm ? { c0: b.dState0.c!.dataSync() } : {}) };
    for (const [k, want] of Object.entries(c.grads)) {
      const got = (g as Record<string, ArrayLike<number>>)[k];
      if (!got) throw new FixtureError(`cells[${c.name}].grads.${k}`, `no such gradient for a ${c.cell} layer.`);
      checks.push(compare(`grads.${k}`, got, want.data, tol.grads.atol, tol.grads.rtol));
    }
    return checks;
  });
}

function lossCase(e: Engine, c: Fixture['losses'][number], tol: Tolerances): Check[] {
  return e.scope(() => {
    const { spec } = parseLossName(c.name, `losses[${c.name}].name`);
    const pred = up(e, c.pred);
    const classes = c.pred.shape[c.pred.shape.length - 1];
    const target =
      spec.name === 'sparseCategoricalCrossentropy' ? labelTensor(e, c.target.data, c.target.shape, classes, c.name) : up(e, c.target);
    const { value, grad } = computeLoss(e, spec, pred, target);
    return [
      compare('value', value.dataSync(), [c.value], tol.forward.atol, tol.forward.rtol),
      compare('grad', grad.dataSync(), c.grad.data, tol.grads.atol, tol.grads.rtol),
    ];
  });
}

function optimizerCase(e: Engine, c: Fixture['optimizers'][number], tol: Tolerances): Check[] {
  return e.scope(() => {
    if (c.kind === 'clip') {
      const { clipped, norm } = clipByGlobalNorm(e, c.grads.map((g) => up(e, g)), c.options.max_norm);
      return [
        compare('norm', norm.dataSync(), [c.norm_before], tol.forward.atol, tol.forward.rtol),
        ...clipped.map((t, i) => compare(`clipped[${i}]`, t.dataSync(), c.clipped[i].data, tol.forward.atol, tol.forward.rtol)),
      ];
    }
    const opt = fromPyTorch(c.torch ?? c.name, c.options, `optimizers[${c.name}]`);
    const param: Param = { name: 'p', value: up(e, c.p0) };
    const checks = c.grads.map((g, i) => {
      opt.step([param], [up(e, g)]);
      return compare(`after step ${i + 1}`, param.value.dataSync(), c.after_each_step[i].data, tol.forward.atol, tol.forward.rtol);
    });
    param.value.dispose();
    opt.dispose();
    return checks;
  });
}

/** The training optimizer's fields (name, lr, beta1, beta2, eps, ...) in PyTorch's terms. */
function trainingOptimizer(c: TrainingCase) {
  const { name, beta1, beta2, ...rest } = c.optimizer;
  const classes: Record<string, string> = { adam: 'Adam', adamw: 'AdamW', sgd: 'SGD', rmsprop: 'RMSprop', adagrad: 'Adagrad' };
  const torch = classes[name.toLowerCase()] ?? name;
  const options: Record<string, number | boolean | number[]> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'number' || typeof v === 'boolean') options[k] = v;
  if (beta1 !== undefined || beta2 !== undefined) options.betas = [beta1 ?? 0.9, beta2 ?? 0.999];
  return fromPyTorch(torch, options, `training[${c.name}].optimizer`);
}

/**
 * x -> recurrent layer (last hidden state) -> dense [H,1] logit -> mean BCE from logits,
 * full-batch steps of the fixture's optimizer; compares the loss before each step and the
 * final parameters.
 */
function trainingCase(e: Engine, c: TrainingCase, tol: Tolerances): Check[] {
  return e.scope(() => {
    const config = configFor(c);
    const cp = cellParams(e, c.cell, c.initialParams);
    const params: Param[] = [
      { name: 'Wx', value: cp.Wx },
      { name: 'Wh', value: cp.Wh },
      { name: 'bx', value: cp.bx! },
      { name: 'bh', value: cp.bh! },
      { name: 'dense.W', value: up(e, c.initialParams['dense.W']) },
      { name: 'dense.b', value: up(e, c.initialParams['dense.b']) },
    ];
    const x = up(e, c.x);
    const y = up(e, c.y);
    const opt = trainingOptimizer(c);
    const losses: number[] = [];
    for (let step = 0; step < c.trainSteps; step++) {
      const grads = e.scope(() => {
        const [Wx, Wh, bx, bh, W, b] = params.map((p) => p.value);
        const f = rnnForward(e, config, { Wx, Wh, bx, bh }, x, { returnSequences: false, name: c.name });
        const logit = e.matmul(f.state.h, W, { bias: b });
        const { value, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
        losses.push(value.dataSync()[0]);
        const dW = e.matmul(f.state.h, grad, { transposeA: true });
        const db = e.sumBatch(grad);
        const dh = e.matmul(grad, W, { transposeB: true });
        const r = rnnBackward(e, f.tape!, { dState: { h: dh }, inputGrad: false });
        return [r.grads.Wx, r.grads.Wh, r.grads.bx!, r.grads.bh!, dW, db];
      });
      opt.step(params, grads);
      for (const g of grads) g.dispose();
    }
    opt.dispose();
    const final = { ...perGate(e, c.cell, { Wx: params[0].value, Wh: params[1].value, bx: params[2].value, bh: params[3].value }) };
    final['dense.W'] = Float64Array.from(params[4].value.dataSync());
    final['dense.b'] = Float64Array.from(params[5].value.dataSync());
    for (const p of params) p.value.dispose();
    const checks = [compare('lossBeforeEachStep', losses, c.lossBeforeEachStep, tol.training.atol, tol.training.rtol)];
    for (const [k, want] of Object.entries(c.finalParams)) {
      if (!final[k]) throw new FixtureError(`training[${c.name}].finalParams.${k}`, `no such parameter for a ${c.cell} model.`);
      checks.push(compare(`finalParams.${k}`, final[k], want.data, tol.trainingParams.atol, tol.trainingParams.rtol));
    }
    return checks;
  });
}

/** Runs every case of `fixture` on `engine`. */
export async function runFixture(engine: Engine, fixture: Fixture, opts: RunFixtureOptions = {}): Promise<FixtureReport> {
  const base = defaultTolerances(engine.backend.precision);
  const tol: Tolerances = { ...base, ...opts.tolerances };
  const want = (name: string) => !opts.filter || name.includes(opts.filter);
  const cases: CaseReport[] = [
    ...fixture.cells.filter((c) => want(c.name)).map((c) => runCase('cells', c.name, () => cellCase(engine, c, tol))),
    ...fixture.losses.filter((c) => want(c.name)).map((c) => runCase('losses', c.name, () => lossCase(engine, c, tol))),
    ...fixture.optimizers.filter((c) => want(c.name)).map((c) => runCase('optimizers', c.name, () => optimizerCase(engine, c, tol))),
    ...fixture.training.filter((c) => want(c.name)).map((c) => runCase('training', c.name, () => trainingCase(engine, c, tol))),
  ];
  return { backend: engine.backend.name, source: fixture.source, pass: cases.every((c) => c.pass), cases };
}
