/**
 * The playground's network: L stacked recurrent layers and a dense head, on core's BPTT.
 *
 *   x [B, T, D] -> layer 1 -> y1 [B, T, H] -> ... -> layer L -> h_T [B, H]  -> dense -> [B, K]
 *                                                             or y_L [B*T, H] -> dense -> [B*T, K]
 *
 * Parameters are named `l{k}.Wx`, `l{k}.Wh`, `l{k}.bx` (and `l{k}.bh` for GRU), `head.W`, `head.b`;
 * the same seed gives the same values on every backend (drawn on the host from core's Rng).
 */
import {
  GATES,
  type CellConfig,
  type CellKind,
  type CellParams,
  type Engine,
  initCellParams,
  initializers,
  type Param,
  Rng,
  rnnBackward,
  rnnForward,
  type RnnTape,
  type Tensor,
} from '@recurrent/core';

export interface NetSpec {
  cell: CellKind;
  inputSize: number;
  units: number;
  layers: number;
  outputSize: number;
  head: 'last' | 'sequence';
}

export function cellConfig(spec: NetSpec, layer: number): CellConfig {
  return { kind: spec.cell, inputSize: layer === 0 ? spec.inputSize : spec.units, units: spec.units };
}

/** Names and shapes of every parameter, in optimizer order. */
export function paramShapes(spec: NetSpec): { name: string; shape: number[] }[] {
  const G = GATES[spec.cell];
  const H = spec.units;
  const out: { name: string; shape: number[] }[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const D = l === 0 ? spec.inputSize : H;
    out.push({ name: `l${l + 1}.Wx`, shape: [D, G * H] }, { name: `l${l + 1}.Wh`, shape: [H, G * H] }, { name: `l${l + 1}.bx`, shape: [G * H] });
    if (spec.cell === 'gru') out.push({ name: `l${l + 1}.bh`, shape: [G * H] });
  }
  out.push({ name: 'head.W', shape: [H, spec.outputSize] }, { name: 'head.b', shape: [spec.outputSize] });
  return out;
}

/** Fresh parameters from a seed (Keras 3 defaults for the cells, Glorot uniform for the head). */
export function initParams(e: Engine, spec: NetSpec, seed: number): Param[] {
  const rng = new Rng(seed);
  const params: Param[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = initCellParams(e, cellConfig(spec, l), rng.fork(`layer${l + 1}`));
    params.push({ name: `l${l + 1}.Wx`, value: p.Wx }, { name: `l${l + 1}.Wh`, value: p.Wh }, { name: `l${l + 1}.bx`, value: p.bx! });
    if (p.bh) params.push({ name: `l${l + 1}.bh`, value: p.bh });
  }
  const W = initializers.glorotUniform([spec.units, spec.outputSize], rng.fork('head'));
  params.push({ name: 'head.W', value: e.tensor(W, [spec.units, spec.outputSize]) }, { name: 'head.b', value: e.zeros([spec.outputSize]) });
  return params;
}

/** The parameters of layer l (0-based). */
export function layerParams(params: Param[], l: number): CellParams {
  const get = (k: string) => params.find((p) => p.name === `l${l + 1}.${k}`)?.value;
  return { Wx: get('Wx')!, Wh: get('Wh')!, bx: get('bx'), bh: get('bh') };
}

const head = (params: Param[]) => ({
  W: params[params.length - 2].value,
  b: params[params.length - 1].value,
});

export interface ForwardResult {
  /** Head output: [B, K] (last) or [B*T, K] (sequence). */
  out: Tensor;
  /** What the head read: [B, H] or [B*T, H]. */
  top: Tensor;
  /** Outputs of every layer [B, T, H] (when asked for or needed). */
  ys: (Tensor | undefined)[];
  tapes: RnnTape[];
}

/**
 * Runs the network. With `training`, keeps the tapes for `backward`. `allSequences` keeps every
 * layer's outputs (for the hidden-state heatmap). Tensors are owned by the caller's scope.
 */
export function forward(
  e: Engine,
  spec: NetSpec,
  params: Param[],
  x: Tensor,
  opts: { lengths?: number[]; training: boolean; allSequences?: boolean },
): ForwardResult {
  const [B, T] = x.shape;
  let input = x;
  const ys: (Tensor | undefined)[] = [];
  const tapes: RnnTape[] = [];
  let last: Tensor | undefined;
  for (let l = 0; l < spec.layers; l++) {
    const top = l === spec.layers - 1;
    const f = rnnForward(e, cellConfig(spec, l), layerParams(params, l), input, {
      lengths: opts.lengths,
      training: opts.training,
      returnSequences: !top || spec.head === 'sequence' || opts.allSequences === true,
      name: `layer ${l + 1} (${spec.cell})`,
    });
    if (f.tape) tapes.push(f.tape);
    ys.push(f.y);
    if (f.y) input = f.y;
    last = f.state.h;
  }
  const { W, b } = head(params);
  const top = spec.head === 'sequence' ? ys[ys.length - 1]!.reshape([B * T, spec.units]) : last!;
  return { out: e.matmul(top, W, { bias: b }), top, ys, tapes };
}

/**
 * Gradients of every parameter (optimizer order) from d(loss)/d(head output). With `stepNorms`,
 * also the squared norm of d(loss)/d(h_t) at every step of every layer, as kept [] tensors
 * (`sq[layer][t]`), for the vanishing-gradient chart.
 */
export function backward(
  e: Engine,
  spec: NetSpec,
  params: Param[],
  fw: ForwardResult,
  dOut: Tensor,
  stepNorms?: Tensor[][],
): Tensor[] {
  const { W } = head(params);
  const dW = e.matmul(fw.top, dOut, { transposeA: true });
  const db = e.sumBatch(dOut);
  const dTop = e.matmul(dOut, W, { transposeB: true });
  const layerGrads: Tensor[][] = [];
  let dy: Tensor | undefined;
  for (let l = spec.layers - 1; l >= 0; l--) {
    const tape = fw.tapes[l];
    const [B, T] = tape.x.shape;
    const onStepGrad = stepNorms
      ? (t: number, dh: Tensor) => {
          stepNorms[l][t] = e.keep(e.sumAll(e.square(dh)));
        }
      : undefined;
    const opts =
      l === spec.layers - 1
        ? spec.head === 'sequence'
          ? { dy: dTop.reshape([B, T, spec.units]) }
          : { dState: { h: dTop } }
        : { dy };
    const r = rnnBackward(e, tape, { ...opts, onStepGrad });
    const g = [r.grads.Wx, r.grads.Wh, r.grads.bx!];
    if (spec.cell === 'gru') g.push(r.grads.bh!);
    layerGrads[l] = g;
    dy = r.dx;
  }
  return [...layerGrads.flat(), dW, db];
}
