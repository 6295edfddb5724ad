import { ConfigError } from '../errors.js';
import { isRecurrentActivation, RECURRENT_ACTIVATIONS } from '../recurrent-activation.js';
import type { Cell, CellConfig } from './cell.js';
import { gruResetAfterCell, gruResetBeforeCell } from './gru.js';
import { lstmCell } from './lstm.js';
import { simpleRnnCell } from './simple-rnn.js';

export type { Cell, CellConfig, CellKind, CellParams, CellState, StepTensors } from './cell.js';
export type { RecurrentMask } from './recurrent-input.js';
export { CELL_FACTS, CELL_KINDS, GATE_ORDER, GATES, RECURRENT_ACTIVATION_GATE_INDICES, type CellFacts } from './facts.js';

/** Builds a cell from its configuration, filling in defaults (tanh; sigmoid gates; GRU resetAfter true). */
export function createCell(config: CellConfig): Cell {
  const { kind, inputSize, units } = config;
  for (const [k, v] of [['inputSize', inputSize], ['units', units]] as const)
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${kind} cell: ${k} must be a positive integer, got ${v}.`);
  const activation = config.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu')
    throw new ConfigError(`${kind} cell: activation must be 'tanh' or 'relu', got '${activation}'.`);
  if (config.activation && kind !== 'simpleRnn')
    throw new ConfigError(`${kind} cell: 'activation' applies to simpleRnn only (LSTM/GRU use tanh and sigmoid).`);
  const recurrentActivation = config.recurrentActivation ?? 'sigmoid';
  if (!isRecurrentActivation(recurrentActivation))
    throw new ConfigError(
      `${kind} cell: recurrentActivation must be one of ${RECURRENT_ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(recurrentActivation)}.`,
    );
  if (config.recurrentActivation !== undefined && kind === 'simpleRnn')
    throw new ConfigError(`simpleRnn cell: 'recurrentActivation' applies to lstm and gru only (a SimpleRNN has no gates); remove it.`);
  const full: Required<CellConfig> = { kind, inputSize, units, activation, resetAfter: config.resetAfter ?? true, recurrentActivation };
  switch (kind) {
    case 'simpleRnn':
      return simpleRnnCell(full);
    case 'lstm':
      return lstmCell(full);
    case 'gru':
      return full.resetAfter ? gruResetAfterCell(full) : gruResetBeforeCell(full);
    default:
      throw new ConfigError(`unknown cell kind '${String(kind)}': use 'simpleRnn', 'lstm' or 'gru'.`);
  }
}
export { joinGates, splitGates } from './gates.js';
export { initCellParams, type InitCellOptions } from './init-params.js';
