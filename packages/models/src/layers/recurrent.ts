/**
 * SimpleRNN, LSTM and GRU layers: Keras 3 options and defaults over core's cells and BPTT.
 *
 * Defaults (Keras 3): tanh activation, sigmoid recurrent activation, glorotUniform kernel,
 * orthogonal recurrent kernel, zero bias, LSTM unitForgetBias true, GRU resetAfter true,
 * returnSequences/returnState/goBackwards/stateful false, no dropout.
 *
 * Weights (gate-concatenated, gate order i,f,g,o for LSTM and r,z,n for GRU; see the README):
 *   kernel [D, G*units], recurrent_kernel [units, G*units], bias [G*units] (useBias),
 *   recurrent_bias [G*units] (GRU resetAfter with useBias, or recurrentBias: true).
 *
 * recurrentActivation (LSTM/GRU gates i, f, o / r, z): 'sigmoid' (default), 'hardSigmoidKeras2'
 * (tfjs-layers' and Keras 2's hardSigmoid) or 'hardSigmoidKeras3' (Keras 3's hard_sigmoid);
 * tfjs's bare name 'hardSigmoid' is refused with a ConfigError saying which one it means.
 * Not supported, with a ConfigError: an LSTM/GRU activation other than 'tanh'.
 */
import {
  type Cell,
  type CellKind,
  type CellParams,
  ConfigError,
  createCell,
  GATES,
  type Initializer,
  type InitializerName,
  type RnnBackwardOptions,
  type RecurrentActivation,
  RECURRENT_ACTIVATIONS,
  type RnnGrads,
  rnnBackward,
  rnnForward,
  ShapeError,
  Tensor,
} from '@recurrent/core';
import { type HostTensor, type InputData, toHost } from '../inputs.js';
import { perSequenceValues, dropoutValues } from '../internal/dropout-mask.js';
import { gatherSteps, invert } from '../internal/gather.js';
import { bool, initializer, noUnknown, oneOf, posInt, rate, shapeOption } from '../internal/options.js';
import { planSequence } from '../internal/sequence-plan.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type LayerClassName, type StateCarrier, type WeightSpec } from './layer.js';

export interface RecurrentOptions extends LayerBaseOptions {
  /** Size of the hidden state. */
  units: number;
  /** SimpleRNN: 'tanh' (default) or 'relu'. LSTM/GRU: 'tanh' only. */
  activation?: 'tanh' | 'relu';
  /**
   * LSTM/GRU: the function of the gates (LSTM i, f, o; GRU r, z). 'sigmoid' (default, Keras 3),
   * 'hardSigmoidKeras2' = clip(0.2 x + 0.5, 0, 1) (tfjs-layers' `hardSigmoid`, its default, and
   * Keras 2's), or 'hardSigmoidKeras3' = clip(x / 6 + 0.5, 0, 1) (Keras 3's `hard_sigmoid`).
   */
  recurrentActivation?: RecurrentActivation;
  /** Default true. */
  useBias?: boolean;
  /**
   * Keep a second, recurrent bias (PyTorch's b_hh) besides the input bias. Default false
   * (Keras: one bias), except GRU with resetAfter, which always has it. Needed to reproduce a
   * PyTorch training run exactly, since Adam treats two biases differently from their sum.
   */
  recurrentBias?: boolean;
  /** Output every step [B, T, units] instead of the last [B, units]. Default false. */
  returnSequences?: boolean;
  /** Also return the final states (predict only; the layer must be last). Default false. */
  returnState?: boolean;
  /** Process steps last to first and return the output sequence reversed (Keras). Default false. */
  goBackwards?: boolean;
  /** Carry the final states of one batch into the next (until resetStates()). Default false. */
  stateful?: boolean;
  /** Dropout rate on the inputs (one mask per sequence, training only). */
  dropout?: number;
  /** Dropout rate on the previous hidden state (one mask per sequence, training only). */
  recurrentDropout?: number;
  kernelInitializer?: InitializerName | Initializer;
  recurrentInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
}

export interface LSTMOptions extends RecurrentOptions {
  /** Forget-gate bias starts at 1 (Jozefowicz et al. 2015). Default true. */
  unitForgetBias?: boolean;
}

export interface GRUOptions extends RecurrentOptions {
  /** Apply the reset gate after the recurrent matmul (PyTorch, Keras 3, cuDNN). Default true. */
  resetAfter?: boolean;
}

const COMMON = [
  'name',
  'inputShape',
  'batchInputShape',
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'recurrentBias',
  'returnSequences',
  'returnState',
  'goBackwards',
  'stateful',
  'dropout',
  'recurrentDropout',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
] as const;

const INFO: Record<CellKind, { className: LayerClassName; defaultName: string }> = {
  simpleRnn: { className: 'SimpleRNN', defaultName: 'simple_rnn' },
  lstm: { className: 'LSTM', defaultName: 'lstm' },
  gru: { className: 'GRU', defaultName: 'gru' },
};

/** tfjs's and Keras's own names, which do not say which hard sigmoid they are: refused, never guessed. */
const AMBIGUOUS_HARD_SIGMOID = ['hardSigmoid', 'hard_sigmoid'];

function recurrentActivationOption(w: string, kind: CellKind, v: unknown): RecurrentActivation {
  if (kind === 'simpleRnn') {
    if (v !== undefined) throw new ConfigError(`${w}: recurrentActivation applies to LSTM and GRU only; remove it.`);
    return 'sigmoid';
  }
  if (typeof v === 'string' && AMBIGUOUS_HARD_SIGMOID.includes(v))
    throw new ConfigError(
      `${w}: recurrentActivation ${JSON.stringify(v)} names two different functions; say which: ` +
        "'hardSigmoidKeras2' = clip(0.2 x + 0.5, 0, 1), what tfjs-layers' 'hardSigmoid' (its default) and Keras 2 compute, " +
        "or 'hardSigmoidKeras3' = clip(x / 6 + 0.5, 0, 1) = relu6(x + 3) / 6, Keras 3's 'hard_sigmoid'.",
    );
  return oneOf(w, 'recurrentActivation', v, RECURRENT_ACTIVATIONS, 'sigmoid');
}

export class RecurrentLayer extends Layer {
  readonly className: LayerClassName;
  readonly kind: CellKind;
  readonly units: number;
  readonly activation: 'tanh' | 'relu';
  /** LSTM/GRU gate function ('sigmoid' for SimpleRNN, which has no gates). */
  readonly recurrentActivation: RecurrentActivation;
  readonly useBias: boolean;
  readonly recurrentBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly unitForgetBias: boolean;
  readonly resetAfter: boolean;
  /** Bidirectional's backward layer: outputs at input positions instead of reversed. */
  aligned = false;
  readonly #inits: Record<'kernel' | 'recurrent' | 'bias', { fn: Initializer; name: string | null }>;
  readonly #options: RecurrentOptions;
  #state: Tensor[] | undefined;

  constructor(kind: CellKind, options: RecurrentOptions & { unitForgetBias?: boolean; resetAfter?: boolean }) {
    const info = INFO[kind];
    if (typeof options !== 'object' || options === null)
      throw new ConfigError(`${info.defaultName}: options must be an object such as { units: 32 }, got ${String(options)}.`);
    super(options, info.defaultName);
    const w = options.name ?? info.defaultName;
    noUnknown(w, options, kind === 'lstm' ? [...COMMON, 'unitForgetBias'] : kind === 'gru' ? [...COMMON, 'resetAfter'] : COMMON);
    shapeOption(w, 'inputShape', options.inputShape);
    shapeOption(w, 'batchInputShape', options.batchInputShape);
    this.className = info.className;
    this.kind = kind;
    this.#options = options;
    this.units = posInt(w, 'units', options.units);
    this.activation =
      kind === 'simpleRnn'
        ? oneOf(w, 'activation', options.activation, ['tanh', 'relu'], 'tanh')
        : oneOf(w, 'activation', options.activation, ['tanh'], 'tanh', `${info.className} cells use tanh (core's fused steps).`);
    this.recurrentActivation = recurrentActivationOption(w, kind, options.recurrentActivation);
    this.useBias = bool(w, 'useBias', options.useBias, true);
    this.resetAfter = kind === 'gru' ? bool(w, 'resetAfter', options.resetAfter, true) : false;
    const wantsRecBias = bool(w, 'recurrentBias', options.recurrentBias, false);
    this.recurrentBias = this.useBias && (wantsRecBias || (kind === 'gru' && this.resetAfter));
    this.returnSequences = bool(w, 'returnSequences', options.returnSequences, false);
    this.returnState = bool(w, 'returnState', options.returnState, false);
    this.goBackwards = bool(w, 'goBackwards', options.goBackwards, false);
    this.stateful = bool(w, 'stateful', options.stateful, false);
    this.dropout = rate(w, 'dropout', options.dropout);
    this.recurrentDropout = rate(w, 'recurrentDropout', options.recurrentDropout);
    this.unitForgetBias = kind === 'lstm' ? bool(w, 'unitForgetBias', (options as LSTMOptions).unitForgetBias, true) : false;
    this.#inits = {
      kernel: initializer(w, 'kernelInitializer', options.kernelInitializer, 'glorotUniform'),
      recurrent: initializer(w, 'recurrentInitializer', options.recurrentInitializer, 'orthogonal'),
      bias: initializer(w, 'biasInitializer', options.biasInitializer, 'zeros'),
    };
  }

  /** A fresh layer with the same options (Bidirectional's backward copy). */
  cloneWith(overrides: Partial<RecurrentOptions>): RecurrentLayer {
    return new RecurrentLayer(this.kind, { ...this.#options, ...overrides });
  }

  override get stateCount(): number {
    return this.kind === 'lstm' ? 2 : 1;
  }

  override get returnsState(): boolean {
    return this.returnState;
  }

  override get carriesState(): boolean {
    return this.stateful;
  }

  override stateShapes(): SymShape[] {
    return Array.from({ length: this.stateCount }, () => [this.units]);
  }

  override stateCarriers(): StateCarrier[] {
    return [this];
  }

  #inputDim(input: SymShape): number {
    const D = input[1];
    if (input.length !== 2 || typeof D !== 'number')
      throw new ShapeError(
        `${this.name} (input)`,
        input.map((d) => d ?? -1),
        '[steps, features] per sample, e.g. inputShape [null, 1]',
        input.length === 1
          ? 'A recurrent layer reads sequences [batch, steps, features]: give each step a feature axis (inputShape [null, 1]).'
          : 'The feature size (last axis) must be known.',
      );
    return D;
  }

  computeOutputShape(input: SymShape): SymShape {
    this.#inputDim(input);
    return this.returnSequences ? [input[0], this.units] : [this.units];
  }

  weightSpecs(input: SymShape): WeightSpec[] {
    const D = this.#inputDim(input);
    const GH = GATES[this.kind] * this.units;
    const H = this.units;
    const { kernel, recurrent, bias } = this.#inits;
    const specs: WeightSpec[] = [
      { name: 'kernel', shape: [D, GH], init: (rng) => kernel.fn([D, GH], rng) },
      { name: 'recurrent_kernel', shape: [H, GH], init: (rng) => recurrent.fn([H, GH], rng) },
    ];
    if (this.useBias)
      specs.push({
        name: 'bias',
        shape: [GH],
        init: (rng) => {
          if (!this.unitForgetBias) return bias.fn([GH], rng);
          // Keras: [init(units), ones(units), init(2 * units)] for gates i, f, g, o.
          const out = new Float64Array(GH);
          out.set(bias.fn([H], rng), 0);
          out.fill(1, H, 2 * H);
          out.set(bias.fn([2 * H], rng), 2 * H);
          return out;
        },
      });
    if (this.recurrentBias) specs.push({ name: 'recurrent_bias', shape: [GH], init: (rng) => bias.fn([GH], rng) });
    return specs;
  }

  #cell(D: number): Cell {
    return createCell({
      kind: this.kind,
      inputSize: D,
      units: this.units,
      ...(this.kind === 'simpleRnn' ? { activation: this.activation } : {}),
      ...(this.kind === 'gru' ? { resetAfter: this.resetAfter } : {}),
      ...(this.kind === 'simpleRnn' ? {} : { recurrentActivation: this.recurrentActivation }),
    });
  }

  #cellParams(): CellParams {
    const [Wx, Wh, ...biases] = this.params.map((p) => p.value);
    return { Wx, Wh, bx: this.useBias ? biases[0] : undefined, bh: this.recurrentBias ? biases[1] : undefined };
  }

  #initialState(ctx: CallContext, B: number): Tensor[] | undefined {
    const H = this.units;
    const check = (states: Tensor[], what: string) => {
      if (states.length !== this.stateCount)
        throw new ShapeError(
          `${this.name} (${what})`,
          [states.length],
          `${this.stateCount} state tensor${this.stateCount > 1 ? 's' : ''} (${this.kind === 'lstm' ? '[h, c]' : '[h]'})`,
        );
      for (const s of states)
        if (s.shape.length !== 2 || s.shape[0] !== B || s.shape[1] !== H)
          throw new ShapeError(
            `${this.name} (${what})`,
            s.shape,
            `[${B}, ${H}] (batch, units)`,
            what === 'stateful state'
              ? `A stateful layer keeps its state for one batch size: use batches of ${s.shape[0]} samples (a batch size ` +
                  'that divides the number of samples), or call resetStates() before changing it.'
              : '',
          );
    };
    if (ctx.initialState) {
      check(ctx.initialState, 'initial state');
      return ctx.initialState;
    }
    if (!this.stateful) return undefined;
    if (this.batchSize !== undefined && this.batchSize !== B)
      throw new ShapeError(
        `${this.name} (input)`,
        [B],
        `a batch of ${this.batchSize} (batchInputShape)`,
        'A stateful layer runs on one batch size: pass batchSize to fit/predict/evaluate and use a number of samples it divides.',
      );
    if (this.#state) check(this.#state, 'stateful state');
    return this.#state;
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const D = this.#inputDim(this.builtInput!);
    const s = x.t.shape;
    if (s.length !== 3 || s[2] !== D)
      throw new ShapeError(
        `${this.name} (input)`,
        s,
        `[batch, steps, ${D}]`,
        s.length === 2 ? 'A sequence input is 3-D: add a feature axis ([batch, steps, 1] for one number per step).' : '',
      );
    const [B, T] = s;
    const init = this.#initialState(ctx, B);
    let xin = x.t;
    let dpMask: Tensor | undefined;
    if (ctx.training && this.dropout > 0 && ctx.rng) {
      dpMask = e.tensor(perSequenceValues(ctx.rng, B, T, D, this.dropout), [B, T, D]);
      xin = e.mul(xin, dpMask);
    }
    const cell = this.#cell(D);
    const recurrentMask =
      ctx.training && this.recurrentDropout > 0 && ctx.rng
        ? e.tensor(dropoutValues(ctx.rng, B * this.units, this.recurrentDropout), [B, this.units])
        : undefined;
    const plan = planSequence(x.mask, B, T, this.goBackwards, this.aligned);
    const inIdx = plan.inIdx ? e.tensor(plan.inIdx, [B * T]) : undefined;
    if (inIdx) xin = gatherSteps(e, xin, inIdx);
    const f = rnnForward(e, cell, this.#cellParams(), xin, {
      initialState: init ? { h: init[0], c: init[1] } : undefined,
      reverse: plan.reverse,
      lengths: plan.lengths,
      returnSequences: this.returnSequences,
      training: ctx.training,
      name: this.name,
      recurrentMask,
    });
    if (ctx.observe && f.tape) {
      const { inIdx, lengths } = plan;
      ctx.observe.forward(this.name, this.kind, f.tape, (b, t) =>
        lengths && t >= lengths[b] ? undefined : inIdx ? inIdx[b * T + t] - b * T : t,
      );
    }
    const outIdx = this.returnSequences && plan.outIdx ? e.tensor(plan.outIdx, [B * T]) : undefined;
    const y = this.returnSequences ? (outIdx ? gatherSteps(e, f.y!, outIdx) : f.y!) : f.state.h;
    const finals = this.kind === 'lstm' ? [f.state.h, f.state.c!] : [f.state.h];
    if (this.stateful) {
      // The layer keeps its own copies: nothing the caller holds (outputs, returned states)
      // is ever disposed by the next call (tfjs#1503). The old states may still be needed by
      // this step's backward (they are its initial state), so they go only after the step.
      for (const old of this.#state ?? []) ctx.defer(old);
      this.#state = finals.map((t) => e.keep(e.affine(t, 1, 0)));
    }
    const H = this.units;
    return {
      out: { t: y, mask: this.returnSequences ? plan.outMask : undefined },
      states: this.returnState ? finals : undefined,
      backward: (dy, dStates) => {
        if (!f.tape) throw new ConfigError(`${this.name}: backward needs a training forward pass.`);
        let opts: RnnBackwardOptions;
        if (this.returnSequences) opts = { dy: outIdx ? gatherSteps(e, dy, e.tensor(invert(plan.outIdx!), [B * T])) : dy };
        else {
          if (dy.shape.length !== 2 || dy.shape[0] !== B || dy.shape[1] !== H)
            throw new ShapeError(`${this.name} (output gradient)`, dy.shape, `[${B}, ${H}]`);
          opts = { dState: { h: dy } };
        }
        // Gradients reaching the returned states (a graph using them, e.g. as a decoder's initialState).
        const [dh, dc] = dStates ?? [];
        if (dh) opts.dState = { ...opts.dState, h: opts.dState?.h ? e.add(opts.dState.h, dh) : dh };
        if (dc) opts.dState = { ...opts.dState, c: dc };
        const { observe } = ctx;
        if (observe) opts.onStepGrad = (t, dh) => observe.stepGrad(this.name, t, dh);
        const gradsOf = (g: RnnGrads) => [g.Wx, g.Wh, ...(this.useBias ? [g.bx!] : []), ...(this.recurrentBias ? [g.bh!] : [])];
        const initGrad = (s: { h: Tensor; c?: Tensor }) => (init && ctx.initialState ? (this.kind === 'lstm' ? [s.h, s.c!] : [s.h]) : undefined);
        if (ctx.inputGrad === false) {
          const r = rnnBackward(e, f.tape, { ...opts, inputGrad: false });
          return { grads: gradsOf(r.grads), dInitialState: initGrad(r.dState0) };
        }
        const r = rnnBackward(e, f.tape, opts);
        let dx = r.dx;
        if (inIdx) dx = gatherSteps(e, dx, e.tensor(invert(plan.inIdx!), [B * T]));
        if (dpMask) dx = e.mul(dx, dpMask);
        return { dx, grads: gradsOf(r.grads), dInitialState: initGrad(r.dState0) };
      },
    };
  }

  /**
   * Clears the carried states of a stateful layer, or sets them: [h] or [h, c], each
   * [batch, units], as tensors or host values (nested arrays, { data, shape }). Copies are kept.
   */
  override resetStates(states?: (Tensor | InputData)[]): void {
    if (states && states.length !== this.stateCount)
      throw new ShapeError(`${this.name} resetStates`, [states.length], `${this.stateCount} state tensors (${this.kind === 'lstm' ? '[h, c]' : '[h]'})`);
    const e = this.params[0]?.value.engine;
    if (states && !e) throw new ConfigError(`${this.name} resetStates: build the model before setting states.`);
    const fresh = states?.map((s, i) => {
      const where = `${this.name} resetStates (state ${i})`;
      let t: Tensor;
      if (s instanceof Tensor) t = e!.affine(s, 1, 0);
      else {
        const h = toHost(s, where);
        t = e!.tensor(h.data, h.shape, where);
      }
      if (t.shape.length !== 2 || t.shape[1] !== this.units) {
        t.dispose();
        throw new ShapeError(where, t.shape, `[batch, ${this.units}]`);
      }
      return e!.keep(t);
    });
    this.disposeStates();
    this.#state = fresh;
  }

  override disposeStates(): void {
    for (const t of this.#state ?? []) t.dispose();
    this.#state = undefined;
  }

  /** Copies of the carried states ([h] or [h, c]), or undefined when there are none. */
  async getStates(): Promise<HostTensor[] | undefined> {
    if (!this.#state) return undefined;
    return Promise.all(this.#state.map(async (t) => ({ data: await t.data(), shape: [...t.shape] })));
  }

  /** The carried state tensors (internal: toBackend moves them). */
  get stateTensors(): Tensor[] | undefined {
    return this.#state;
  }

  set stateTensors(v: Tensor[] | undefined) {
    this.#state = v;
  }

  override summaryDetail(): string {
    return this.recurrentActivation === 'sigmoid' ? '' : `recurrentActivation ${this.recurrentActivation}`;
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      units: this.units,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
    };
    if (this.kind === 'simpleRnn') c.activation = this.activation;
    else {
      c.activation = 'tanh';
      c.recurrentActivation = this.recurrentActivation;
    }
    if (this.recurrentBias && !(this.kind === 'gru' && this.resetAfter)) c.recurrentBias = true;
    if (this.kind === 'lstm') c.unitForgetBias = this.unitForgetBias;
    if (this.kind === 'gru') c.resetAfter = this.resetAfter;
    const { kernel, recurrent, bias } = this.#inits;
    if (kernel.name) c.kernelInitializer = kernel.name;
    if (recurrent.name) c.recurrentInitializer = recurrent.name;
    if (bias.name) c.biasInitializer = bias.name;
    return c;
  }
}
