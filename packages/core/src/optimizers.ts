/**
 * Optimizers with PyTorch's update rules (torch.optim, checked against its fixtures).
 *
 * An optimizer is created from options alone; it runs on the engine of the tensors it is given
 * (`params[0].value.engine`). Slots (moments, accumulators) are created on the first step, one
 * set per parameter name, so pass the same parameters (by name) on every step.
 *
 * Ownership: `step` replaces each `param.value` with a new tensor and disposes the old one.
 * New values and slots are kept (engine.keep), so a step may run inside an engine.scope.
 *
 * `learningRate` is a number or a schedule `(step) => lr`, called with 0 for the first update.
 * `clipNorm` (global L2 norm over all gradients) and `clipValue` clip the gradients first,
 * in that order, without modifying the caller's gradient tensors.
 */
import type { Shape } from './backend.js';
import { clipByGlobalNorm, clipByValue } from './clip.js';
import type { Engine, Tensor } from './engine.js';
import { ConfigError, FixtureError, InputError, ShapeError, StateError, fmtShape, quote } from './errors.js';
import { sameShape } from './internal/shapes.js';
import type { Schedule } from './schedules.js';

/** A named, mutable parameter holder. An optimizer step replaces `value`. */
export interface Param {
  readonly name: string;
  value: Tensor;
}

/** JSON-serialisable optimizer state. Slot keys are `${paramName}/${slotName}`. */
export interface OptimizerState {
  name: string;
  step: number;
  config: Record<string, unknown>;
  slots: Record<string, { shape: number[]; data: number[] }>;
}

export interface Optimizer {
  readonly name: string;
  /** Applies one update. grads[i] is d loss / d params[i].value. */
  step(params: Param[], grads: Tensor[]): void;
  /** Reads the slots back (async, so GPU backends need not stall). */
  getState(): Promise<OptimizerState>;
  /** Restores slots and the step count; the optimizer's own options are kept. */
  setState(state: OptimizerState, params: Param[]): void;
  /** Updates applied so far. */
  readonly iterations: number;
  /** The learning rate of update `step` (0-based; a schedule's value there), e.g. to export a training run. */
  learningRateAt(step: number): number;
  /** Frees the slots. The optimizer cannot be used afterwards. */
  dispose(): void;
}

export type LearningRate = number | Schedule;

export interface ClipOptions {
  /** Clip the gradients to this global L2 norm before the update (PyTorch clip_grad_norm_). */
  clipNorm?: number;
  /** Clamp every gradient element to [-clipValue, clipValue] before the update. */
  clipValue?: number;
}

export interface SgdOptions extends ClipOptions {
  learningRate: LearningRate;
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient (PyTorch weight_decay). */
  weightDecay?: number;
}

export interface AdamOptions extends ClipOptions {
  learningRate?: LearningRate;
  beta1?: number;
  beta2?: number;
  /** Added to sqrt(v_hat) (PyTorch form). */
  epsilon?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay of the weights. */
  weightDecay?: number;
}

export interface AdagradOptions extends ClipOptions {
  learningRate: LearningRate;
  initialAccumulatorValue?: number;
  epsilon?: number;
  /** L2 penalty added to the gradient (PyTorch weight_decay). */
  weightDecay?: number;
}

export interface RmspropOptions extends ClipOptions {
  learningRate: LearningRate;
  /** Moving-average factor of the squared gradient (PyTorch alpha). */
  rho?: number;
  epsilon?: number;
  momentum?: number;
  centered?: boolean;
  /** L2 penalty added to the gradient (PyTorch weight_decay). */
  weightDecay?: number;
}

// ---- the update rules -------------------------------------------------------------------

interface Rule {
  readonly slots: readonly string[];
  /** Fresh slots for a parameter of this shape, in `slots` order. */
  init(e: Engine, shape: Shape): Tensor[];
  /** One update. `t` is the 1-based step number. Must return new tensors only. */
  update(e: Engine, p: Tensor, g: Tensor, s: Tensor[], lr: number, t: number): { p: Tensor; s: Tensor[] };
}

/** g + weightDecay * p (PyTorch's L2 weight_decay). */
const withL2 = (e: Engine, g: Tensor, p: Tensor, wd: number): Tensor => (wd ? e.add(g, e.scale(p, wd)) : g);

function sgdRule(momentum: number, nesterov: boolean, wd: number): Rule {
  return {
    slots: momentum ? ['momentum'] : [],
    init: (e, shape) => (momentum ? [e.zeros(shape)] : []),
    update: (e, p, g, [buf], lr) => {
      let d = withL2(e, g, p, wd);
      let s: Tensor[] = [];
      if (momentum) {
        // v = momentum*v + g (PyTorch; its first step sets v = g, the same as v = 0 here).
        const v = e.add(e.scale(buf, momentum), d);
        d = nesterov ? e.add(d, e.scale(v, momentum)) : v;
        s = [v];
      }
      return { p: e.sub(p, e.scale(d, lr)), s };
    },
  };
}

function adamRule(beta1: number, beta2: number, eps: number, l2: number, decoupled: number): Rule {
  return {
    slots: ['m', 'v'],
    init: (e, shape) => [e.zeros(shape), e.zeros(shape)],
    update: (e, p, g, [m, v], lr, t) => {
      const out = e.fused('adamUpdate', [p, withL2(e, g, p, l2), m, v], {
        lr,
        beta1,
        beta2,
        eps,
        step: t,
        decoupledDecay: decoupled,
      });
      return { p: out.p, s: [out.m, out.v] };
    },
  };
}

function adagradRule(initial: number, eps: number, wd: number): Rule {
  return {
    slots: ['accumulator'],
    init: (e, shape) => [e.fill(shape, initial)],
    update: (e, p, g, [acc], lr) => {
      const gg = withL2(e, g, p, wd);
      const acc2 = e.add(acc, e.square(gg));
      const std = e.affine(e.sqrt(acc2), 1, eps);
      return { p: e.sub(p, e.scale(e.div(gg, std), lr)), s: [acc2] };
    },
  };
}

function rmspropRule(rho: number, eps: number, momentum: number, centered: boolean, wd: number): Rule {
  return {
    slots: ['squareAvg', ...(centered ? ['gradAvg'] : []), ...(momentum ? ['momentum'] : [])],
    init: (e, shape) => [e.zeros(shape), ...(centered ? [e.zeros(shape)] : []), ...(momentum ? [e.zeros(shape)] : [])],
    update: (e, p, g, s, lr) => {
      const gg = withL2(e, g, p, wd);
      const sq = e.add(e.scale(s[0], rho), e.scale(e.square(gg), 1 - rho));
      const out: Tensor[] = [sq];
      let avg: Tensor;
      if (centered) {
        const ga = e.add(e.scale(s[1], rho), e.scale(gg, 1 - rho));
        out.push(ga);
        avg = e.affine(e.sqrt(e.sub(sq, e.square(ga))), 1, eps);
      } else avg = e.affine(e.sqrt(sq), 1, eps);
      let d = e.div(gg, avg);
      if (momentum) {
        d = e.add(e.scale(s[out.length], momentum), d);
        out.push(d);
      }
      return { p: e.sub(p, e.scale(d, lr)), s: out };
    },
  };
}

// ---- the shared optimizer ---------------------------------------------------------------

class RuleOptimizer implements Optimizer {
  readonly name: string;
  readonly #config: Record<string, unknown>;
  readonly #lr: LearningRate;
  readonly #clip: ClipOptions;
  readonly #rule: Rule;
  #slots = new Map<string, Tensor[]>();
  #iterations = 0;
  #disposed = false;

  constructor(name: string, config: Record<string, unknown>, lr: LearningRate, clip: ClipOptions, rule: Rule) {
    this.name = name;
    this.#config = config;
    this.#lr = lr;
    this.#clip = clip;
    this.#rule = rule;
  }

  get iterations(): number {
    return this.#iterations;
  }

  #alive(where: string): void {
    if (this.#disposed) throw new StateError(`${this.name}.${where}: the optimizer was disposed; create a new one.`);
  }

  learningRateAt(step: number): number {
    return this.#learningRate(step);
  }

  #learningRate(step: number): number {
    const lr = typeof this.#lr === 'function' ? this.#lr(step) : this.#lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
      throw new ConfigError(`${this.name}: the learning-rate schedule gave ${lr} at step ${step}; it must return a finite number >= 0.`);
    return lr;
  }

  step(params: Param[], grads: Tensor[]): void {
    this.#alive('step');
    const where = `${this.name}.step`;
    if (params.length !== grads.length)
      throw new InputError(`${where}: got ${grads.length} gradients for ${params.length} parameters; pass one gradient per parameter, in order.`);
    if (params.length === 0) return;
    uniqueNames(where, params);
    params.forEach((p, i) => {
      if (!sameShape(grads[i].shape, p.value.shape))
        throw new ShapeError(`${where} (gradient of '${p.name}')`, grads[i].shape, fmtShape(p.value.shape), 'A gradient has its parameter\'s shape.');
      const s = this.#slots.get(p.name);
      if (s?.length && !sameShape(s[0].shape, p.value.shape))
        throw new StateError(
          `${where}: parameter '${p.name}' is ${fmtShape(p.value.shape)}, but its optimizer slots are ${fmtShape(s[0].shape)}; ` +
            `use a new optimizer (or setState) when parameter shapes change.`,
        );
    });
    const lr = this.#learningRate(this.#iterations);
    const t = this.#iterations + 1;
    const e = params[0].value.engine;
    const { clipNorm, clipValue } = this.#clip;
    e.scope(() => {
      let gs = grads;
      if (clipNorm !== undefined) gs = clipByGlobalNorm(e, gs, clipNorm).clipped;
      if (clipValue !== undefined) gs = clipByValue(e, gs, clipValue);
      // Compute every update before committing any, so a failure leaves the params untouched.
      const updates = params.map((p, i) =>
        this.#rule.update(e, p.value, gs[i], this.#slots.get(p.name) ?? this.#rule.init(e, p.value.shape), lr, t),
      );
      updates.forEach((u, i) => {
        const p = params[i];
        e.keep(u.p);
        e.keep(u.s);
        const old = p.value;
        p.value = u.p;
        old.dispose();
        for (const s of this.#slots.get(p.name) ?? []) s.dispose();
        this.#slots.set(p.name, u.s);
      });
    });
    this.#iterations++;
  }

  async getState(): Promise<OptimizerState> {
    this.#alive('getState');
    const step = this.#iterations;
    // Start every read now, before any later step can replace the slots.
    const reads: [key: string, shape: number[], data: Promise<Float32Array | Float64Array>][] = [];
    for (const [pname, ts] of this.#slots)
      ts.forEach((t, j) => reads.push([`${pname}/${this.#rule.slots[j]}`, [...t.shape], t.data()]));
    const slots: OptimizerState['slots'] = {};
    for (const [key, shape, data] of reads) slots[key] = { shape, data: Array.from(await data) };
    return { name: this.name, step, config: { ...this.#config }, slots };
  }

  setState(state: OptimizerState, params: Param[]): void {
    this.#alive('setState');
    const where = `${this.name}.setState`;
    if (!state || typeof state !== 'object') throw new StateError(`${where}: state must be an object from getState().`);
    if (state.name !== this.name)
      throw new StateError(`${where}: the state is for optimizer ${quote(state.name)}, not '${this.name}'.`);
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new StateError(`${where}: step must be an integer >= 0, got ${quote(state.step)}.`);
    const given = state.slots ?? {};
    if (typeof given !== 'object') throw new StateError(`${where}: slots must be an object.`);
    uniqueNames(where, params);
    const expected = new Map<string, Param>();
    for (const p of params) for (const s of this.#rule.slots) expected.set(`${p.name}/${s}`, p);
    const fresh = state.step === 0 && Object.keys(given).length === 0;
    for (const key of Object.keys(given))
      if (!expected.has(key))
        throw new StateError(
          `${where}: unexpected slot ${quote(key)}; this ${this.name} keeps ${this.#rule.slots.map((s) => `'<param>/${s}'`).join(', ') || 'no slots'} ` +
            `for params ${params.map((p) => `'${p.name}'`).join(', ') || '(none)'}.`,
        );
    const values = new Map<string, { shape: number[]; data: number[] }>();
    if (!fresh)
      for (const [key, p] of expected) {
        const slot = given[key];
        if (!slot) throw new StateError(`${where}: slot '${key}' is missing from the state.`);
        if (!Array.isArray(slot.shape) || !sameShape(slot.shape, p.value.shape))
          throw new StateError(
            `${where}: slot '${key}' has shape ${Array.isArray(slot.shape) ? fmtShape(slot.shape) : String(slot.shape)}, ` +
              `but parameter '${p.name}' is ${fmtShape(p.value.shape)}.`,
          );
        if (!Array.isArray(slot.data) || slot.data.length !== p.value.size)
          throw new StateError(`${where}: slot '${key}' holds ${slot.data?.length} values, wanted ${p.value.size}.`);
        const bad = slot.data.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
        if (bad >= 0) throw new StateError(`${where}: slot '${key}' value ${slot.data[bad]} at index ${bad} is not a finite number.`);
        values.set(key, slot);
      }
    const next = new Map<string, Tensor[]>();
    if (!fresh)
      for (const p of params) {
        const e = p.value.engine;
        next.set(
          p.name,
          this.#rule.slots.map((s) => {
            const v = values.get(`${p.name}/${s}`)!;
            return e.keep(e.tensor(v.data, v.shape, `${where} '${p.name}/${s}'`));
          }),
        );
      }
    this.#disposeSlots();
    this.#slots = next;
    this.#iterations = state.step;
  }

  #disposeSlots(): void {
    for (const ts of this.#slots.values()) for (const t of ts) t.dispose();
    this.#slots.clear();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposeSlots();
    this.#disposed = true;
  }
}

function uniqueNames(where: string, params: Param[]): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new InputError(`${where}: two parameters are named '${p.name}'; parameter names must be unique.`);
    seen.add(p.name);
  }
}

// ---- options ------------------------------------------------------------------------------

type Range = { min?: number; max?: number; maxOpen?: boolean; minOpen?: boolean };

function num(where: string, key: string, v: unknown, r: Range): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (r.min === undefined || (r.minOpen ? v > r.min : v >= r.min)) &&
    (r.max === undefined || (r.maxOpen ? v < r.max : v <= r.max));
  if (!ok) {
    const lo = r.min === undefined ? '' : `${r.minOpen ? '>' : '>='} ${r.min}`;
    const hi = r.max === undefined ? '' : `${r.maxOpen ? '<' : '<='} ${r.max}`;
    throw new ConfigError(`${where}: ${key} must be a finite number ${[lo, hi].filter(Boolean).join(' and ')}, got ${quote(v)}.`);
  }
  return v as number;
}

function bool(where: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${where}: ${key} must be true or false, got ${quote(v)}.`);
  return v;
}

function learningRate(where: string, lr: unknown): LearningRate {
  if (typeof lr === 'function') return lr as Schedule;
  return num(where, 'learningRate', lr, { min: 0 });
}

function clipOptions(where: string, o: ClipOptions): ClipOptions {
  return {
    clipNorm: o.clipNorm === undefined ? undefined : num(where, 'clipNorm', o.clipNorm, { min: 0, minOpen: true }),
    clipValue: o.clipValue === undefined ? undefined : num(where, 'clipValue', o.clipValue, { min: 0, minOpen: true }),
  };
}

const lrConfig = (lr: LearningRate): number | string => (typeof lr === 'function' ? 'schedule' : lr);

const beta = { min: 0, max: 1, maxOpen: true };
const nonNeg = { min: 0 };

// ---- factories -------------------------------------------------------------------------

/** SGD (PyTorch): v = momentum*v + g; p -= lr * (nesterov ? g + momentum*v : v). */
export function sgd(options: SgdOptions): Optimizer {
  const w = 'sgd';
  const lr = learningRate(w, options.learningRate);
  const momentum = num(w, 'momentum', options.momentum ?? 0, nonNeg);
  const nesterov = bool(w, 'nesterov', options.nesterov ?? false);
  const weightDecay = num(w, 'weightDecay', options.weightDecay ?? 0, nonNeg);
  if (nesterov && momentum === 0) throw new ConfigError(`${w}: nesterov needs momentum > 0; set momentum (e.g. 0.9) or drop nesterov.`);
  const clip = clipOptions(w, options);
  const config = { learningRate: lrConfig(lr), momentum, nesterov, weightDecay, ...clip };
  return new RuleOptimizer(w, config, lr, clip, sgdRule(momentum, nesterov, weightDecay));
}

function adamOptions(w: string, options: AdamOptions, defaultDecay: number) {
  const lr = learningRate(w, options.learningRate ?? 1e-3);
  const beta1 = num(w, 'beta1', options.beta1 ?? 0.9, beta);
  const beta2 = num(w, 'beta2', options.beta2 ?? 0.999, beta);
  const epsilon = num(w, 'epsilon', options.epsilon ?? 1e-7, nonNeg);
  const weightDecay = num(w, 'weightDecay', options.weightDecay ?? defaultDecay, nonNeg);
  const clip = clipOptions(w, options);
  return { lr, beta1, beta2, epsilon, weightDecay, clip, config: { learningRate: lrConfig(lr), beta1, beta2, epsilon, weightDecay, ...clip } };
}

/**
 * Adam (PyTorch): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr * m_hat / (sqrt(v_hat) + eps). weightDecay is an L2 term added to g.
 * Runs the backend's fused `adamUpdate` kernel when it has one.
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const o = adamOptions('adam', options, 0);
  return new RuleOptimizer('adam', o.config, o.lr, o.clip, adamRule(o.beta1, o.beta2, o.epsilon, o.weightDecay, 0));
}

/** AdamW (PyTorch): p *= 1 - lr*weightDecay, then the Adam step. */
export function adamw(options: AdamOptions = {}): Optimizer {
  const o = adamOptions('adamw', options, 0.01);
  return new RuleOptimizer('adamw', o.config, o.lr, o.clip, adamRule(o.beta1, o.beta2, o.epsilon, 0, o.weightDecay));
}

/** Adagrad (PyTorch): acc += g^2 (acc starts at initialAccumulatorValue); p -= lr * g / (sqrt(acc) + eps). */
export function adagrad(options: AdagradOptions): Optimizer {
  const w = 'adagrad';
  const lr = learningRate(w, options.learningRate);
  const initialAccumulatorValue = num(w, 'initialAccumulatorValue', options.initialAccumulatorValue ?? 0.1, nonNeg);
  const epsilon = num(w, 'epsilon', options.epsilon ?? 1e-7, nonNeg);
  const weightDecay = num(w, 'weightDecay', options.weightDecay ?? 0, nonNeg);
  const clip = clipOptions(w, options);
  const config = { learningRate: lrConfig(lr), initialAccumulatorValue, epsilon, weightDecay, ...clip };
  return new RuleOptimizer(w, config, lr, clip, adagradRule(initialAccumulatorValue, epsilon, weightDecay));
}

/**
 * RMSprop (PyTorch): s = rho s + (1-rho) g^2; centered subtracts the squared mean gradient;
 * d = g / (sqrt(s) + eps); with momentum, b = momentum b + d and p -= lr b, else p -= lr d.
 */
export function rmsprop(options: RmspropOptions): Optimizer {
  const w = 'rmsprop';
  const lr = learningRate(w, options.learningRate);
  const rho = num(w, 'rho', options.rho ?? 0.9, beta);
  const epsilon = num(w, 'epsilon', options.epsilon ?? 1e-7, nonNeg);
  const momentum = num(w, 'momentum', options.momentum ?? 0, nonNeg);
  const centered = bool(w, 'centered', options.centered ?? false);
  const weightDecay = num(w, 'weightDecay', options.weightDecay ?? 0, nonNeg);
  const clip = clipOptions(w, options);
  const config = { learningRate: lrConfig(lr), rho, epsilon, momentum, centered, weightDecay, ...clip };
  return new RuleOptimizer(w, config, lr, clip, rmspropRule(rho, epsilon, momentum, centered, weightDecay));
}

// ---- PyTorch option names ----------------------------------------------------------------

type TorchOptions = Record<string, unknown>;

/** Options each torch.optim class accepts here, with PyTorch's defaults, and the mapping. */
const torchOptimizers: Record<string, { defaults: TorchOptions; make: (o: TorchOptions) => Optimizer }> = {
  SGD: {
    defaults: { momentum: 0, dampening: 0, nesterov: false, weight_decay: 0 },
    make: (o) => sgd({ learningRate: o.lr as number, momentum: o.momentum as number, nesterov: o.nesterov as boolean, weightDecay: o.weight_decay as number }),
  },
  Adam: {
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false },
    make: (o) => adam({ learningRate: o.lr as number, ...betas(o.betas), epsilon: o.eps as number, weightDecay: o.weight_decay as number }),
  },
  AdamW: {
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2, amsgrad: false },
    make: (o) => adamw({ learningRate: o.lr as number, ...betas(o.betas), epsilon: o.eps as number, weightDecay: o.weight_decay as number }),
  },
  Adagrad: {
    defaults: { lr: 1e-2, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10 },
    make: (o) =>
      adagrad({
        learningRate: o.lr as number,
        initialAccumulatorValue: o.initial_accumulator_value as number,
        epsilon: o.eps as number,
        weightDecay: o.weight_decay as number,
      }),
  },
  RMSprop: {
    defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: false },
    make: (o) =>
      rmsprop({
        learningRate: o.lr as number,
        rho: o.alpha as number,
        epsilon: o.eps as number,
        momentum: o.momentum as number,
        centered: o.centered as boolean,
        weightDecay: o.weight_decay as number,
      }),
  },
};

/** Options whose only supported value is PyTorch's default. */
const torchFixed: Record<string, unknown> = { dampening: 0, amsgrad: false, lr_decay: 0 };

function betas(b: unknown): { beta1: number; beta2: number } {
  if (!Array.isArray(b) || b.length !== 2) throw new ConfigError(`betas must be a pair [beta1, beta2], got ${quote(b)}.`);
  return { beta1: b[0], beta2: b[1] };
}

/**
 * The optimizer `torch.optim.<torchName>(params, **options)` describes, with PyTorch's names
 * and PyTorch's defaults for anything left out (e.g. Adam eps 1e-8, RMSprop alpha 0.99,
 * Adagrad eps 1e-10). Reads the reference fixtures' `optimizers[]` entries. Throws
 * FixtureError for an unknown class or option, or an option value this library lacks.
 */
export function fromPyTorch(torchName: string, options: TorchOptions, path = 'optimizers[]'): Optimizer {
  const entry = Object.hasOwn(torchOptimizers, torchName) ? torchOptimizers[torchName] : undefined;
  if (!entry)
    throw new FixtureError(path, `unknown torch optimizer '${torchName}'; supported: ${Object.keys(torchOptimizers).join(', ')}.`);
  const merged: TorchOptions = { ...entry.defaults };
  for (const [k, v] of Object.entries(options ?? {})) {
    if (k !== 'lr' && !Object.hasOwn(entry.defaults, k))
      throw new FixtureError(path, `${torchName} option '${k}' is not supported; known: lr, ${Object.keys(entry.defaults).join(', ')}.`);
    if (Object.hasOwn(torchFixed, k) && v !== torchFixed[k])
      throw new FixtureError(path, `${torchName} option ${k}=${JSON.stringify(v)} is not supported (only ${JSON.stringify(torchFixed[k])}).`);
    merged[k] = v;
  }
  if (merged.lr === undefined) throw new FixtureError(path, `${torchName} needs an 'lr' option.`);
  return entry.make(merged);
}
