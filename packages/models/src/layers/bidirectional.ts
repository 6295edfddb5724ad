/**
 * Bidirectional: a forward copy and a backward copy of a recurrent layer over the same input,
 * outputs merged by 'concat' (default), 'sum', 'mul' or 'ave'. The backward copy's output
 * sequence is aligned with the input positions before merging (Keras semantics). Masks apply
 * to both directions; weights are named `<name>/forward_<layer>/...` and `.../backward_<layer>/...`.
 */
import { ConfigError, type Param, type Tensor } from '@recurrent/core';
import type { InputData } from '../inputs.js';
import { noUnknown, oneOf, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type StateCarrier, type WeightSpec } from './layer.js';
import { RecurrentLayer } from './recurrent.js';

export const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;
export type MergeMode = (typeof MERGE_MODES)[number];

export interface BidirectionalOptions extends LayerBaseOptions {
  /** The recurrent layer to run both ways (simpleRNN, lstm or gru). */
  layer: RecurrentLayer;
  mergeMode?: MergeMode;
}

export class Bidirectional extends Layer {
  readonly className = 'Bidirectional' as const;
  readonly forward: RecurrentLayer;
  readonly backward: RecurrentLayer;
  readonly mergeMode: MergeMode;

  constructor(options: BidirectionalOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('bidirectional: options must be an object such as { layer: layers.lstm({ units: 8 }) }.');
    const inner = options.layer;
    if (!(inner instanceof RecurrentLayer))
      throw new ConfigError('bidirectional: layer must be a recurrent layer (layers.simpleRNN, layers.lstm or layers.gru).');
    super({ ...options, inputShape: options.inputShape ?? (options.batchInputShape ? undefined : (inner.inputShape as (number | null)[] | undefined)) }, 'bidirectional');
    const w = options.name ?? 'bidirectional';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'layer', 'mergeMode']);
    shapeOption(w, 'inputShape', options.inputShape);
    if (inner.goBackwards)
      throw new ConfigError(`${w}: wrap a layer without goBackwards; Bidirectional runs a reversed copy of it itself.`);
    this.mergeMode = oneOf(w, 'mergeMode', options.mergeMode, MERGE_MODES, 'concat', 'Two separate outputs (mergeMode null) are not supported in a sequential model.');
    this.forward = inner.cloneWith({ name: `forward_${inner.name}`, inputShape: undefined, batchInputShape: undefined });
    this.backward = inner.cloneWith({ name: `backward_${inner.name}`, goBackwards: true, inputShape: undefined, batchInputShape: undefined });
    this.backward.aligned = true;
  }

  get returnState(): boolean {
    return this.forward.returnState;
  }

  override get returnsState(): boolean {
    return this.forward.returnState;
  }

  override get stateCount(): number {
    return 2 * this.forward.stateCount;
  }

  override get carriesState(): boolean {
    return this.forward.stateful;
  }

  override stateShapes(): SymShape[] {
    return [...this.forward.stateShapes(), ...this.backward.stateShapes()];
  }

  override stateCarriers(): StateCarrier[] {
    return [this.forward, this.backward];
  }

  computeOutputShape(input: SymShape): SymShape {
    const o = this.forward.computeOutputShape(input);
    const H = this.forward.units;
    return [...o.slice(0, -1), this.mergeMode === 'concat' ? 2 * H : H];
  }

  weightSpecs(input: SymShape): WeightSpec[] {
    for (const l of [this.forward, this.backward]) {
      l.builtInput = input;
      l.builtOutput = l.computeOutputShape(input);
    }
    const named = (l: RecurrentLayer) => l.weightSpecs(input).map((s) => ({ ...s, name: `${l.name}/${s.name}` }));
    return [...named(this.forward), ...named(this.backward)];
  }

  override setParams(params: Param[]): void {
    super.setParams(params);
    const n = params.length / 2;
    this.forward.setParams(params.slice(0, n));
    this.backward.setParams(params.slice(n));
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const n = this.forward.stateCount;
    if (ctx.initialState && ctx.initialState.length !== 2 * n)
      throw new ConfigError(`${this.name}: initial state needs ${2 * n} tensors (forward ${n === 2 ? 'h, c' : 'h'}, then backward), got ${ctx.initialState.length}.`);
    const cf = this.forward.call({ ...ctx, initialState: ctx.initialState?.slice(0, n) }, x);
    const cb = this.backward.call({ ...ctx, initialState: ctx.initialState?.slice(n) }, x);
    const yf = cf.out.t;
    const yb = cb.out.t;
    const H = this.forward.units;
    const shape = yf.shape;
    const N = yf.size / H;
    const rows = (t: Tensor, w = H) => t.reshape([N, w]);
    let y: Tensor;
    switch (this.mergeMode) {
      case 'concat':
        y = e.concatCols([rows(yf), rows(yb)]).reshape([...shape.slice(0, -1), 2 * H]);
        break;
      case 'sum':
        y = e.add(yf, yb);
        break;
      case 'mul':
        y = e.mul(yf, yb);
        break;
      case 'ave':
        y = e.scale(e.add(yf, yb), 0.5);
        break;
    }
    return {
      out: { t: y, mask: cf.out.mask },
      states: this.returnState ? [...(cf.states ?? []), ...(cb.states ?? [])] : undefined,
      backward: (dy, dStates) => {
        let dF: Tensor;
        let dB: Tensor;
        switch (this.mergeMode) {
          case 'concat': {
            const d2 = rows(dy, 2 * H);
            dF = e.sliceCols(d2, 0, H).reshape(shape);
            dB = e.sliceCols(d2, H, H).reshape(shape);
            break;
          }
          case 'sum':
            dF = dB = dy;
            break;
          case 'mul':
            dF = e.mul(dy, yb);
            dB = e.mul(dy, yf);
            break;
          case 'ave':
            dF = dB = e.scale(dy, 0.5);
            break;
        }
        const gf = cf.backward(dF, dStates?.slice(0, n));
        const gb = cb.backward(dB, dStates?.slice(n));
        const dInitialState = gf.dInitialState && gb.dInitialState ? [...gf.dInitialState, ...gb.dInitialState] : undefined;
        return { dx: gf.dx && gb.dx ? e.add(gf.dx, gb.dx) : undefined, grads: [...gf.grads, ...gb.grads], dInitialState };
      },
    };
  }

  override resetStates(states?: (Tensor | InputData)[]): void {
    const n = this.forward.stateCount;
    if (states && states.length !== 2 * n)
      throw new ConfigError(`${this.name} resetStates: needs ${2 * n} tensors (forward states, then backward), got ${states.length}.`);
    this.forward.resetStates(states?.slice(0, n));
    this.backward.resetStates(states?.slice(n));
  }

  override disposeStates(): void {
    this.forward.disposeStates();
    this.backward.disposeStates();
  }

  override summaryDetail(): string {
    return this.forward.summaryDetail();
  }

  getConfig(): Record<string, unknown> {
    const { name: _n, inputShape: _i, batchSize: _b, ...layer } = this.forward.getConfig();
    return { ...this.baseConfig(), mergeMode: this.mergeMode, layer: { className: this.forward.className, config: { ...layer, name: this.forward.name.replace(/^forward_/, '') } } };
  }
}
