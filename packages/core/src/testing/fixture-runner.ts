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
import { readAll } from './read.js';
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

/** Our CellParams (or their gradients) split into per-gate tensors named like the fixture. */
function perGate(e: Engine, cell: CellType, p: Partial<Record<'Wx' | 'Wh' | 'bx' | 'bh', Tensor>>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const gates = CELL_GATES[cell];
  for (const [ours, prefix] of [['Wx', 'W_x'], ['Wh', 'W_h'], ['bx', 'b_x'], ['bh', 'b_h']] as const) {
    const t = p[ours];
    if (!t) continue;
    splitGates(e, t, gates.length).forEach((part, k) => (out[prefix + gates[k]] = part));
  }
  return out;
}

const configFor = (c: { cell: CellType; inputSize: number; units: number; recurrentActivation?: CellConfig['recurrentActivation'] }): CellConfig => ({
  ...CELL_CONFIG[c.cell],
  inputSize: c.inputSize,
  units: c.units,
  ...(c.recurrentActivation ? { recurrentActivation: c.recurrentActivation } : {}),
});

async function runCase(section: CaseReport['section'], name: string, fn: () => Promise<Check[]>): Promise<CaseReport> {
  try {
    const checks = await fn();
    return { section, name, pass: checks.every((c) => c.pass), checks };
  } catch (err) {
    return { section, name, pass: false, checks: [], error: (err as Error).message ?? String(err) };
  }
}

async function cellCase(e: Engine, c: Fixture['cells'][number], tol: Tolerances): Promise<Check[]> {
  const lstm = c.cell === 'lstm';
  const { outputs, grads } = e.scope(() => {
    const params = cellParams(e, c.cell, c.params);
    const f = rnnForward(e, configFor(c), params, up(e, c.inputs.x), {
      initialState: { h: up(e, c.inputs.h0), c: lstm ? up(e, c.inputs.c0) : undefined },
      name: c.name,
    });
    const b = rnnBackward(e, f.tape!, {
      dy: up(e, c.inputs.dy),
      dState: { h: up(e, c.inputs.dhT), c: lstm ? up(e, c.inputs.dcT) : undefined },
    });
    return {
      outputs: { y: f.y!, hT: f.state.h, cT: f.state.c },
      grads: { ...perGate(e, c.cell, b.grads), x: b.dx, h0: b.dState0.h, ...(lstm ? { c0: b.dState0.c! } : {}) } as Record<string, Tensor>,
    };
  });
  const [out, g] = [await readAll(outputs), await readAll(grads)];
  const checks: Check[] = [
    compare('y', out.y, c.outputs.y.data, tol.forward.atol, tol.forward.rtol),
    compare('hT', out.hT, c.outputs.hT.data, tol.forward.atol, tol.forward.rtol),
  ];
  if (lstm) checks.push(compare('cT', out.cT, c.outputs.cT.data, tol.forward.atol, tol.forward.rtol));
  for (const [k, want] of Object.entries(c.grads)) {
    const got = Object.hasOwn(g, k) ? g[k] : undefined;
    if (!got) throw new FixtureError(`cells[${c.name}].grads.${k}`, `no such gradient for a ${c.cell} layer.`);
    checks.push(compare(`grads.${k}`, got, want.data, tol.grads.atol, tol.grads.rtol));
  }
  return checks;
}

async function lossCase(e: Engine, c: Fixture['losses'][number], tol: Tolerances): Promise<Check[]> {
  const r = await readAll(e.scope(() => {
    const { spec } = parseLossName(c.name, `losses[${c.name}].name`);
    const pred = up(e, c.pred);
    const classes = c.pred.shape[c.pred.shape.length - 1];
    const target =
      spec.name === 'sparseCategoricalCrossentropy' ? labelTensor(e, c.target.data, c.target.shape, classes, c.name) : up(e, c.target);
    const { value, grad } = computeLoss(e, spec, pred, target);
    return { value, grad };
  }));
  return [
    compare('value', r.value, [c.value], tol.forward.atol, tol.forward.rtol),
    compare('grad', r.grad, c.grad.data, tol.grads.atol, tol.grads.rtol),
  ];
}

async function optimizerCase(e: Engine, c: Fixture['optimizers'][number], tol: Tolerances): Promise<Check[]> {
  if (c.kind === 'clip') {
    const r = await readAll(
      e.scope(() => {
        const { clipped, norm } = clipByGlobalNorm(e, c.grads.map((g) => up(e, g)), c.options.max_norm);
        return Object.fromEntries([['norm', norm], ...clipped.map((t, i) => [`clipped[${i}]`, t] as const)]);
      }),
    );
    return [
      compare('norm', r.norm, [c.norm_before], tol.forward.atol, tol.forward.rtol),
      ...c.clipped.map((want, i) => compare(`clipped[${i}]`, r[`clipped[${i}]`] ?? [], want.data, tol.forward.atol, tol.forward.rtol)),
    ];
  }
  // The parameter after each step, kept as a second handle on its buffer (reshape shares it).
  const after = e.scope(() => {
    const opt = fromPyTorch(c.torch ?? c.name, c.options, `optimizers[${c.name}]`);
    const param: Param = { name: 'p', value: up(e, c.p0) };
    const snapshots = c.grads.map((g) => {
      opt.step([param], [up(e, g)]);
      return param.value.reshape(param.value.shape);
    });
    param.value.dispose();
    opt.dispose();
    return Object.fromEntries(snapshots.map((t, i) => [`after step ${i + 1}`, t]));
  });
  const got = await readAll(after);
  return c.after_each_step.map((want, i) => compare(`after step ${i + 1}`, got[`after step ${i + 1}`] ?? [], want.data, tol.forward.atol, tol.forward.rtol));
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
async function trainingCase(e: Engine, c: TrainingCase, tol: Tolerances): Promise<Check[]> {
  const { lossTensors, finalTensors } = e.scope(() => {
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
    const losses: Tensor[] = [];
    for (let step = 0; step < c.trainSteps; step++) {
      const { grads, value } = e.scope(() => {
        const [Wx, Wh, bx, bh, W, b] = params.map((p) => p.value);
        const f = rnnForward(e, config, { Wx, Wh, bx, bh }, x, { returnSequences: false, name: c.name });
        const logit = e.matmul(f.state.h, W, { bias: b });
        const { value, grad } = computeLoss(e, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
        const dW = e.matmul(f.state.h, grad, { transposeA: true });
        const db = e.sumBatch(grad);
        const dh = e.matmul(grad, W, { transposeB: true });
        const r = rnnBackward(e, f.tape!, { dState: { h: dh }, inputGrad: false });
        return { grads: [r.grads.Wx, r.grads.Wh, r.grads.bx!, r.grads.bh!, dW, db], value };
      });
      losses.push(value);
      opt.step(params, grads);
      for (const g of grads) g.dispose();
    }
    opt.dispose();
    const final = { ...perGate(e, c.cell, { Wx: params[0].value, Wh: params[1].value, bx: params[2].value, bh: params[3].value }) };
    final['dense.W'] = params[4].value;
    final['dense.b'] = params[5].value;
    // The loss values are read after the run: no round trip to the host inside the loop.
    return { lossTensors: Object.fromEntries(losses.map((t, i) => [String(i), t])), finalTensors: final };
  });
  const losses = await readAll(lossTensors);
  const final = await readAll(finalTensors);
  const curve = c.lossBeforeEachStep.map((_, i) => losses[String(i)]?.[0] ?? Number.NaN);
  const checks = [compare('lossBeforeEachStep', curve, c.lossBeforeEachStep, tol.training.atol, tol.training.rtol)];
  for (const [k, want] of Object.entries(c.finalParams)) {
    if (!Object.hasOwn(final, k)) throw new FixtureError(`training[${c.name}].finalParams.${k}`, `no such parameter for a ${c.cell} model.`);
    checks.push(compare(`finalParams.${k}`, final[k], want.data, tol.trainingParams.atol, tol.trainingParams.rtol));
  }
  return checks;
}

/** Runs every case of `fixture` on `engine`. */
export async function runFixture(engine: Engine, fixture: Fixture, opts: RunFixtureOptions = {}): Promise<FixtureReport> {
  const base = defaultTolerances(engine.backend.precision);
  const tol: Tolerances = { ...base, ...opts.tolerances };
  const want = (name: string) => !opts.filter || name.includes(opts.filter);
  const runs: (() => Promise<CaseReport>)[] = [
    ...fixture.cells.filter((c) => want(c.name)).map((c) => () => runCase('cells', c.name, () => cellCase(engine, c, tol))),
    ...fixture.losses.filter((c) => want(c.name)).map((c) => () => runCase('losses', c.name, () => lossCase(engine, c, tol))),
    ...fixture.optimizers.filter((c) => want(c.name)).map((c) => () => runCase('optimizers', c.name, () => optimizerCase(engine, c, tol))),
    ...fixture.training.filter((c) => want(c.name)).map((c) => () => runCase('training', c.name, () => trainingCase(engine, c, tol))),
  ];
  const cases: CaseReport[] = [];
  for (const run of runs) cases.push(await run());
  return { backend: engine.backend.name, source: fixture.source, pass: cases.every((c) => c.pass), cases };
}
