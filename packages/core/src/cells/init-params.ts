/**
 * Fresh parameters for a cell with Keras 3's defaults: glorotUniform input kernel, orthogonal
 * recurrent kernel, zero biases, forget-gate bias 1 for LSTM (unitForgetBias). Like Keras,
 * a layer has one bias (bx), except GRU reset-after, which keeps the recurrent bias (bh)
 * apart because b_hn sits inside r * (...). Values are drawn on the host from a seeded Rng,
 * so the same seed gives the same model on every backend.
 */
import type { Engine } from '../engine.js';
import { getInitializer, unitForgetBias, type Initializer, type InitializerName } from '../init.js';
import type { Rng } from '../rng.js';
import { createCell } from './index.js';
import type { CellConfig, CellParams } from './cell.js';

export interface InitCellOptions {
  kernelInitializer?: InitializerName | Initializer;
  recurrentInitializer?: InitializerName | Initializer;
  useBias?: boolean;
  /** LSTM only (default true). */
  unitForgetBias?: boolean;
}

export function initCellParams(e: Engine, config: CellConfig, rng: Rng, opts: InitCellOptions = {}): CellParams {
  const cell = createCell(config);
  const { inputSize: D, units: H, kind, resetAfter } = cell.config;
  const GH = cell.gates * H;
  const kernel = getInitializer(opts.kernelInitializer ?? 'glorotUniform');
  const recurrent = getInitializer(opts.recurrentInitializer ?? 'orthogonal');
  const params: CellParams = {
    Wx: e.tensor(kernel([D, GH], rng), [D, GH]),
    Wh: e.tensor(recurrent([H, GH], rng), [H, GH]),
  };
  if (opts.useBias ?? true) {
    params.bx = e.tensor(kind === 'lstm' && (opts.unitForgetBias ?? true) ? unitForgetBias(H) : new Float64Array(GH), [GH]);
    if (kind === 'gru' && resetAfter) params.bh = e.zeros([GH]);
  }
  return params;
}
