import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend.js';
import { clipByGlobalNorm, clipByValue } from '../src/clip.js';
import type { Engine, Tensor } from '../src/engine.js';
import { createEngine } from '../src/engine.js';
import { ConfigError, FixtureError, InputError, ShapeError, StateError } from '../src/errors.js';
import { adagrad, adam, adamw, fromPyTorch, rmsprop, sgd, type Optimizer, type Param } from '../src/optimizers.js';
import { constant, exponentialDecay, stepDecay } from '../src/schedules.js';
import { createReferenceBackend } from '../src/testing/reference-backend.js';
import { findReferenceFixture } from '../src/testing/node.js';

interface FTensor {
  shape: number[];
  data: number[];
}
interface OptCase {
  name: string;
  torch?: string;
  options: Record<string, unknown>;
  p0?: FTensor;
  grads: FTensor[];
  after_each_step?: FTensor[];
  norm_before?: number;
  clipped?: FTensor[];
}

const fixtureUrl = findReferenceFixture();
const fixture = JSON.parse(readFileSync(fixtureUrl, 'utf8')) as { optimizers: OptCase[] };

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** The reference backend plus a host-side fused adamUpdate kernel, counting its calls. */
function referenceWithFusedAdam(): { backend: Backend; calls: () => number } {
  const base = createReferenceBackend();
  let calls = 0;
  const backend: Backend = {
    ...base,
    fused: {
      adamUpdate: ([p, g, m, v], { lr, beta1, beta2, eps, step, decoupledDecay }) => {
        calls++;
        const [pv, gv, mv, vv] = [p, g, m, v].map((t) => base.readSync(t.dataId));
        const n = pv.length;
        const [po, mo, vo] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
        const bc1 = 1 - beta1 ** step;
        const bc2 = 1 - beta2 ** step;
        for (let i = 0; i < n; i++) {
          mo[i] = beta1 * mv[i] + (1 - beta1) * gv[i];
          vo[i] = beta2 * vv[i] + (1 - beta2) * gv[i] * gv[i];
          po[i] = pv[i] * (1 - lr * decoupledDecay) - (lr * (mo[i] / bc1)) / (Math.sqrt(vo[i] / bc2) + eps);
        }
        return { p: base.write(po, p.shape), m: base.write(mo, m.shape), v: base.write(vo, v.shape) };
      },
    },
  };
  return { backend, calls: () => calls };
}

describe('optimizers: PyTorch reference fixtures', () => {
  const steps = fixture.optimizers.filter((c) => c.torch);
  it('has the expected cases', () => {
    expect(steps.map((c) => c.name)).toEqual(['sgd', 'sgd_momentum', 'sgd_nesterov', 'adam', 'adamw', 'adagrad', 'rmsprop']);
  });

  const runCase = (c: OptCase, e: Engine, opt: Optimizer): void => {
    const param: Param = { name: 'p', value: e.tensor(c.p0!.data, c.p0!.shape) };
    c.grads.forEach((g, k) => {
      const grad = e.tensor(g.data, g.shape);
      opt.step([param], [grad]);
      grad.dispose();
      expect(maxAbsDiff(param.value.toArray(), c.after_each_step![k].data), `${c.name} step ${k + 1}`).toBeLessThan(1e-9);
    });
    expect(opt.iterations).toBe(c.grads.length);
  };

  for (const c of steps) {
    it(`${c.name} (${c.torch} ${JSON.stringify(c.options)}): 4 steps within 1e-9`, () => {
      runCase(c, createEngine(createReferenceBackend()), fromPyTorch(c.torch!, c.options));
    });
  }

  it('maps the fixture options onto the factories the same way', () => {
    const byName = Object.fromEntries(steps.map((c) => [c.name, c]));
    const direct: Record<string, Optimizer> = {
      sgd: sgd({ learningRate: 0.1 }),
      sgd_momentum: sgd({ learningRate: 0.1, momentum: 0.9 }),
      sgd_nesterov: sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
      adam: adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
      adamw: adamw({ learningRate: 0.01, epsilon: 1e-7, weightDecay: 0.01 }),
      adagrad: adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1, epsilon: 1e-7 }),
      rmsprop: rmsprop({ learningRate: 0.01, rho: 0.9, epsilon: 1e-7 }),
    };
    for (const [name, opt] of Object.entries(direct)) runCase(byName[name], createEngine(createReferenceBackend()), opt);
  });

  for (const name of ['adam', 'adamw']) {
    it(`${name}: fused kernel and fallback both match`, () => {
      const c = steps.find((s) => s.name === name)!;
      const { backend, calls } = referenceWithFusedAdam();
      const e = createEngine(backend);
      runCase(c, e, fromPyTorch(c.torch!, c.options));
      expect(calls()).toBe(4);
      const e2 = createEngine(backend);
      e2.useFused = false;
      runCase(c, e2, fromPyTorch(c.torch!, c.options));
      expect(calls()).toBe(4);
    });
  }

  it('clip_by_global_norm: norm and clipped tensors within 1e-9', () => {
    const c = fixture.optimizers.find((x) => x.name === 'clip_by_global_norm')!;
    const e = createEngine(createReferenceBackend());
    const grads = c.grads.map((g) => e.tensor(g.data, g.shape));
    const before = e.memory().tensors;
    const { clipped, norm } = clipByGlobalNorm(e, grads, c.options.max_norm as number);
    expect(e.memory().tensors).toBe(before + grads.length + 1);
    expect(norm.shape).toEqual([]);
    expect(Math.abs(norm.toArray()[0] - c.norm_before!)).toBeLessThan(1e-9);
    clipped.forEach((t, i) => {
      expect(t.shape).toEqual(c.clipped![i].shape);
      expect(maxAbsDiff(t.toArray(), c.clipped![i].data)).toBeLessThan(1e-9);
    });
    // below the limit the gradients pass through unchanged
    const big = clipByGlobalNorm(e, grads, 100);
    expect(maxAbsDiff(big.clipped[1].toArray(), c.grads[1].data)).toBe(0);
  });

  it('clipNorm as an optimizer option clips before the update', () => {
    const c = fixture.optimizers.find((x) => x.name === 'clip_by_global_norm')!;
    const e = createEngine(createReferenceBackend());
    const params: Param[] = c.grads.map((g, i) => ({ name: `w${i}`, value: e.zeros(g.shape) }));
    const grads = c.grads.map((g) => e.tensor(g.data, g.shape));
    sgd({ learningRate: 1, clipNorm: 1 }).step(params, grads);
    params.forEach((p, i) => expect(maxAbsDiff(p.value.toArray(), c.clipped![i].data.map((v) => -v))).toBeLessThan(1e-12));
    // the caller's gradients are untouched
    expect(grads[0].toArray()).toEqual(c.grads[0].data);
  });

  it('clipByValue and clipValue clamp elementwise', () => {
    const e = createEngine(createReferenceBackend());
    const g = e.tensor([-3, -0.5, 0.2, 7], [4]);
    expect(clipByValue(e, [g], 1)[0].toArray()).toEqual([-1, -0.5, 0.2, 1]);
    const p: Param = { name: 'p', value: e.zeros([4]) };
    sgd({ learningRate: 1, clipValue: 0.3 }).step([p], [g]);
    expect(p.value.toArray()).toEqual([0.3, 0.3, -0.2, -0.3]);
    expect(() => clipByValue(e, [g], 0)).toThrow(ConfigError);
    expect(() => clipByGlobalNorm(e, [g], -1)).toThrow(ConfigError);
  });
});

describe('optimizers: behaviour', () => {
  const makers: [string, () => Optimizer][] = [
    ['sgd', () => sgd({ learningRate: 0.1 })],
    ['sgd momentum nesterov wd', () => sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['adam', () => adam({ learningRate: 0.01, weightDecay: 0.01 })],
    ['adamw clipNorm', () => adamw({ learningRate: 0.01, clipNorm: 0.5 })],
    ['adagrad', () => adagrad({ learningRate: 0.1 })],
    ['rmsprop', () => rmsprop({ learningRate: 0.01 })],
    ['rmsprop centered momentum clipValue', () => rmsprop({ learningRate: 0.01, centered: true, momentum: 0.9, clipValue: 0.5 })],
  ];

  const setup = (e: Engine): { params: Param[]; grads: (k: number) => Tensor[] } => {
    const params: Param[] = [
      { name: 'W', value: e.tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3]) },
      { name: 'b', value: e.tensor([0.05, -0.05, 0], [3]) },
    ];
    const grads = (k: number): Tensor[] => [
      e.tensor([1, -2, 3, -4, 5, -6].map((v) => Math.sin(v * (k + 1))), [2, 3]),
      e.tensor([0.5, -0.25, 0.125].map((v) => v * Math.cos(k)), [3]),
    ];
    return { params, grads };
  };

  for (const [label, make] of makers) {
    it(`${label}: getState/setState round trip continues identically`, async () => {
      const e = createEngine(createReferenceBackend());
      const a = setup(e);
      const optA = make();
      for (let k = 0; k < 3; k++) optA.step(a.params, a.grads(k));
      const state = JSON.parse(JSON.stringify(await optA.getState()));
      expect(state.step).toBe(3);
      expect(state.name).toBe(optA.name);

      const b = setup(e);
      b.params.forEach((p, i) => {
        p.value.dispose();
        p.value = e.tensor(a.params[i].value.toArray(), a.params[i].value.shape);
      });
      const optB = make();
      optB.setState(state, b.params);
      expect(optB.iterations).toBe(3);
      for (let k = 3; k < 6; k++) {
        optA.step(a.params, a.grads(k));
        optB.step(b.params, b.grads(k));
      }
      a.params.forEach((p, i) => expect(b.params[i].value.toArray()).toEqual(p.value.toArray()));
      expect(await optB.getState()).toEqual(await optA.getState());
    });

    it(`${label}: no handle leaks over 50 steps`, () => {
      const e = createEngine(createReferenceBackend());
      const { params } = setup(e);
      const gs = [0, 1].map((k) => setup(e).grads(k));
      const opt = make();
      opt.step(params, gs[0]);
      const after1 = e.memory();
      for (let k = 1; k < 50; k++) opt.step(params, gs[k % 2]);
      expect(e.memory()).toEqual(after1);
      expect(opt.iterations).toBe(50);
      // a step inside a scope keeps the new values and slots
      e.scope(() => opt.step(params, gs[0]));
      expect(e.memory()).toEqual(after1);
      expect(params[0].value.disposed).toBe(false);
      opt.dispose();
      expect(() => opt.step(params, gs[0])).toThrow(StateError);
    });
  }

  it('setState rejects wrong shapes, missing or unexpected slots and other optimizers', async () => {
    const e = createEngine(createReferenceBackend());
    const { params, grads } = setup(e);
    const opt = adam({ learningRate: 0.01 });
    opt.step(params, grads(0));
    const state = await opt.getState();
    expect(Object.keys(state.slots).sort()).toEqual(['W/m', 'W/v', 'b/m', 'b/v']);

    const wrongShape = structuredClone(state);
    wrongShape.slots['W/m'].shape = [3, 2];
    expect(() => adam().setState(wrongShape, params)).toThrow(StateError);
    expect(() => adam().setState(wrongShape, params)).toThrow(/slot 'W\/m' has shape \[3, 2\], but parameter 'W' is \[2, 3\]/);

    const otherParam = [{ name: 'W', value: e.zeros([4, 3]) }, params[1]];
    expect(() => adam().setState(state, otherParam)).toThrow(/parameter 'W' is \[4, 3\]/);

    const missing = structuredClone(state);
    delete missing.slots['b/v'];
    expect(() => adam().setState(missing, params)).toThrow(/slot 'b\/v' is missing/);

    expect(() => adam().setState(state, [params[0]])).toThrow(/unexpected slot "b\/m"/);
    expect(() => sgd({ learningRate: 1 }).setState(state, params)).toThrow(/state is for optimizer "adam", not 'sgd'/);

    const nan = structuredClone(state);
    nan.slots['W/v'].data[2] = Number.NaN;
    expect(() => adam().setState(nan, params)).toThrow(StateError);

    // a fresh state (step 0, no slots) resets
    const fresh = adam({ learningRate: 0.01 });
    fresh.setState({ name: 'adam', step: 0, config: {}, slots: {} }, params);
    expect(fresh.iterations).toBe(0);
  });

  it('step validates its inputs', () => {
    const e = createEngine(createReferenceBackend());
    const { params, grads } = setup(e);
    const opt = sgd({ learningRate: 0.1 });
    const g = grads(0);
    expect(() => opt.step(params, [g[0]])).toThrow(InputError);
    expect(() => opt.step(params, [g[1], g[0]])).toThrow(ShapeError);
    expect(() => opt.step(params, [g[1], g[0]])).toThrow(/sgd.step \(gradient of 'W'\): got shape \[3\], wanted \[2, 3\]/);
    expect(() => opt.step([params[0], { name: 'W', value: params[1].value }], g)).toThrow(/two parameters are named 'W'/);
    expect(opt.iterations).toBe(0);
  });

  it('options are validated with ConfigError', () => {
    expect(() => sgd({ learningRate: -1 })).toThrow(ConfigError);
    expect(() => sgd({ learningRate: 0.1, nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => adam({ beta1: 1 })).toThrow(/beta1 must be a finite number >= 0 and < 1, got 1/);
    expect(() => adam({ beta2: -0.1 })).toThrow(ConfigError);
    expect(() => adamw({ weightDecay: -1 })).toThrow(ConfigError);
    expect(() => adagrad({ learningRate: 0.1, initialAccumulatorValue: -1 })).toThrow(ConfigError);
    expect(() => rmsprop({ learningRate: 0.1, rho: 1.5 })).toThrow(ConfigError);
    expect(() => rmsprop({ learningRate: 0.1, clipNorm: 0 })).toThrow(ConfigError);
    expect(() => adam({ learningRate: Number.NaN })).toThrow(ConfigError);
    const e = createEngine(createReferenceBackend());
    const p: Param = { name: 'p', value: e.zeros([2]) };
    expect(() => sgd({ learningRate: () => -1 }).step([p], [e.zeros([2])])).toThrow(/schedule gave -1 at step 0/);
  });

  it('fromPyTorch uses PyTorch defaults and rejects unknown names and options', () => {
    expect(() => fromPyTorch('LBFGS', { lr: 1 })).toThrow(FixtureError);
    expect(() => fromPyTorch('Adam', { lr: 1, foo: 2 })).toThrow(/option 'foo'/);
    expect(() => fromPyTorch('Adam', { amsgrad: true })).toThrow(/amsgrad=true/);
    expect(() => fromPyTorch('SGD', {})).toThrow(/needs an 'lr'/);
    return fromPyTorch('Adam', {})
      .getState()
      .then((s) => expect(s.config).toMatchObject({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }));
  });

  it('a learning-rate schedule is called with 0 for the first update', () => {
    const e = createEngine(createReferenceBackend());
    const seen: number[] = [];
    const p: Param = { name: 'p', value: e.zeros([1]) };
    const g = e.tensor([1], [1]);
    const opt = sgd({
      learningRate: (s) => {
        seen.push(s);
        return 0.5 ** s;
      },
    });
    for (let k = 0; k < 3; k++) opt.step([p], [g]);
    expect(seen).toEqual([0, 1, 2]);
    expect(p.value.toArray()[0]).toBeCloseTo(-(1 + 0.5 + 0.25), 15);
  });
});

describe('schedules', () => {
  it('exponentialDecay, stepDecay and constant', () => {
    const ex = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(ex(0)).toBe(0.1);
    expect(ex(10)).toBeCloseTo(0.05, 15);
    expect(ex(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    const st = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([st(9), st(10), st(25)]).toEqual([0.1, 0.05, 0.025]);
    const sd = stepDecay({ initialLearningRate: 1, stepSize: 3, gamma: 0.1 });
    expect([0, 2, 3, 5, 6].map(sd)).toEqual([1, 1, 0.1, 0.1, 0.1 ** 2]);
    expect(constant(0.3)(1000)).toBe(0.3);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(ConfigError);
    expect(() => stepDecay({ initialLearningRate: 1, stepSize: 1.5, gamma: 0.1 })).toThrow(ConfigError);
    expect(() => constant(-1)).toThrow(ConfigError);
  });
});
