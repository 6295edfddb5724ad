/**
 * The facts of each cell kind, declared once: its gates (names, in the column order of our
 * gate-concatenated weights, PyTorch's order), whether it carries a cell state, and which of its
 * gates go through the recurrent activation `sig` (the others use tanh). Everything else that
 * needs one of these (GATES, GATE_ORDER, the fixture format's CELL_GATES, the tape's gate names,
 * gradient checks, models, interop) derives it from this table.
 *
 * A SimpleRNN has one block of columns and no gate: its one name is '' (the fixture files'
 * parameter suffix, `W_x`), and it has no gate activations to inspect.
 */
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

export interface CellFacts {
  /** Gate names in the column order of Wx / Wh / bx / bh (each gate is `units` columns). */
  readonly gates: readonly string[];
  readonly hasCellState: boolean;
  /** The gates computed with the recurrent activation (LSTM i, f, o; GRU r, z). */
  readonly recurrentActivationGates: readonly string[];
}

export const CELL_FACTS: { readonly [K in CellKind]: CellFacts } = {
  simpleRnn: { gates: [''], hasCellState: false, recurrentActivationGates: [] },
  lstm: { gates: ['i', 'f', 'g', 'o'], hasCellState: true, recurrentActivationGates: ['i', 'f', 'o'] },
  gru: { gates: ['r', 'z', 'n'], hasCellState: false, recurrentActivationGates: ['r', 'z'] },
};

export const CELL_KINDS = Object.keys(CELL_FACTS) as CellKind[];

const derive = <V>(f: (facts: CellFacts) => V): { readonly [K in CellKind]: V } =>
  Object.fromEntries(CELL_KINDS.map((k) => [k, f(CELL_FACTS[k])])) as { [K in CellKind]: V };

/** Gates per cell kind G: the weights have G * units columns. */
export const GATES = derive((f) => f.gates.length);

/** Gate order of our concatenated weights (PyTorch's order for both LSTM and GRU). */
export const GATE_ORDER = derive((f) => f.gates);

/** Indices (column blocks) of the gates that use the recurrent activation. */
export const RECURRENT_ACTIVATION_GATE_INDICES = derive((f) => f.recurrentActivationGates.map((g) => f.gates.indexOf(g)));
