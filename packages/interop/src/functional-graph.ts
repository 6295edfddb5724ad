/**
 * The layer calls of a functional model of ours, read from its public inputs and outputs: every
 * call an output depends on, in creation order (each reads only model inputs and earlier
 * calls), and where each symbolic tensor comes from. Shared by the exporters and saveTfjsModel.
 */
import type { Functional, SymbolicTensor } from '@recurrent/models';

type Node = Extract<SymbolicTensor['source'], { kind: 'node' }>['node'];

/** Model input `input`, or output `output` (0: the output, 1..: the states) of call `node`. */
export type CallRef = { input: number } | { node: number; output: number };

export interface FunctionalCalls {
  nodes: Node[];
  ref(t: SymbolicTensor): CallRef;
}

export const nodeOf = (t: SymbolicTensor): Node | undefined => (t.source.kind === 'node' ? t.source.node : undefined);

export function functionalCalls(model: Functional): FunctionalCalls {
  const seen = new Set<Node>();
  const stack = [...model.outputs];
  while (stack.length) {
    const n = nodeOf(stack.pop()!);
    if (!n || seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs, ...n.initialState);
  }
  const nodes = [...seen].sort((a, b) => a.id - b.id);
  const index = new Map(nodes.map((n, i) => [n, i]));
  return {
    nodes,
    ref: (t) => {
      const n = nodeOf(t);
      return n ? { node: index.get(n)!, output: (t.source as { index: number }).index } : { input: model.inputs.indexOf(t) };
    },
  };
}
