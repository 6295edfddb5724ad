/**
 * The layer graph of a model and its run: which layer reads which tensors, the weights of
 * each layer, one forward pass over the nodes in order, and the backward pass in reverse
 * order. A Sequential model is the chain graph (one input, node i reads node i-1); a
 * functional model is any graph made with `input()` and `layer.apply`.
 *
 * Gradients meeting at one tensor (a tensor read twice, a shared layer's calls) are summed; a
 * node whose outputs reach no loss gets zero weight gradients.
 */
import { ConfigError, type Engine, type Param, type Rng, type Tensor } from '@recurrent/core';
import type { Activation, Backward, CallContext, Layer, LayerCall } from '../layers/layer.js';
import type { MultiInputLayer } from '../layers/multi-input.js';
import type { SymShape } from '../internal/shape.js';

/** Model input `input`, or output `output` (0: the layer's output, 1..: its states) of node `node`. */
export type Ref = { input: number } | { node: number; output: number };

export interface GraphNode {
  /** Index into the graph's layers. */
  layer: number;
  inputs: Ref[];
  /** Initial states from other nodes (a decoder reading an encoder's final states). */
  initialState: Ref[];
}

/** A model's topology as plain data (what model.json records, with layer names for indices). */
export interface GraphSpec {
  inputs: { name: string; shape: SymShape }[];
  /** In run order: a node reads only model inputs and earlier nodes. */
  nodes: GraphNode[];
  outputs: Ref[];
}

/** The chain graph of a Sequential model. */
export function chainSpec(count: number, inputShape: SymShape): GraphSpec {
  return {
    inputs: [{ name: 'input', shape: inputShape }],
    nodes: Array.from({ length: count }, (_, i) => ({ layer: i, inputs: [i === 0 ? { input: 0 } : { node: i - 1, output: 0 }], initialState: [] })),
    outputs: [{ node: count - 1, output: 0 }],
  };
}

const isInput = (r: Ref): r is { input: number } => 'input' in r;
const multi = (l: Layer): MultiInputLayer | undefined => (l.multiInput ? (l as MultiInputLayer) : undefined);

/** Output shape of one call of `layer` on `inputs`. */
export function callShape(layer: Layer, inputs: SymShape[]): SymShape {
  const m = multi(layer);
  return m ? m.outputShapeFor(inputs) : layer.computeOutputShape(inputs[0]);
}

/** What one forward pass leaves for the loss and the backward pass. */
export interface GraphRun {
  /**
   * One call per model output for the loss (batchLoss): its `out` is the output, its
   * `backward` (and `logits.backward`) record the gradient for `backward()` below.
   */
  outputs: LayerCall[];
  /** The call of each node, in node order. */
  calls: LayerCall[];
  /** Backpropagates the recorded output gradients; per layer (graph order), its weight gradients summed over its calls. */
  backward(): Tensor[][];
}

export class LayerGraph {
  readonly layers: readonly Layer[];
  readonly spec: GraphSpec;
  /** Per node: [output shape, ...state shapes]. */
  readonly shapes: SymShape[][];
  /** Per node, per output: how many nodes read it (as input or initial state). */
  readonly #readers: number[][];

  constructor(layers: readonly Layer[], spec: GraphSpec) {
    this.layers = layers;
    this.spec = spec;
    this.shapes = [];
    for (const n of spec.nodes) {
      const layer = layers[n.layer];
      const out = callShape(layer, n.inputs.map((r) => this.shapeOf(r)));
      this.shapes.push([out, ...(layer.returnsState ? layer.stateShapes() : [])]);
    }
    this.#readers = this.shapes.map((s) => s.map(() => 0));
    for (const n of spec.nodes) for (const r of [...n.inputs, ...n.initialState]) if (!isInput(r)) this.#readers[r.node][r.output]++;
  }

  /** The concrete output shapes (with the batch axis) for inputs of these shapes ([N, ...] each). */
  outputShapesFor(inputs: readonly (readonly number[])[]): number[][] {
    const N = inputs[0][0];
    const nodeShapes: SymShape[][] = [];
    const shape = (r: Ref): SymShape => (isInput(r) ? inputs[r.input].slice(1) : nodeShapes[r.node][r.output]);
    for (const n of this.spec.nodes) {
      const layer = this.layers[n.layer];
      nodeShapes.push([callShape(layer, n.inputs.map(shape)), ...(layer.returnsState ? layer.stateShapes() : [])]);
    }
    // Sizes still unknown (a layer keeping a null) take the batch's: the steps of the first sequence input.
    return this.spec.outputs.map((r) => [N, ...shape(r).map((d, i) => d ?? inputs.find((x) => x.length > i + 1)![i + 1])]);
  }

  shapeOf(r: Ref): SymShape {
    return isInput(r) ? this.spec.inputs[r.input].shape : this.shapes[r.node][r.output];
  }

  /** The nodes of each layer (a shared layer has several). */
  nodesOf(layer: number): number[] {
    return this.spec.nodes.flatMap((n, i) => (n.layer === layer ? [i] : []));
  }

  /**
   * Creates the weights of every layer not built yet, from `values` (loading) or the layers'
   * initializers with a per-layer Rng fork. All or nothing: on an error nothing stays allocated.
   */
  build(e: Engine, rng: Rng, values: ((name: string, shape: number[]) => ArrayLike<number>) | undefined): void {
    const allocated: Tensor[] = [];
    const fresh: { layer: Layer; params: Param[] }[] = [];
    try {
      for (const [li, layer] of this.layers.entries()) {
        const first = this.spec.nodes.find((n) => n.layer === li);
        if (!first || layer.builtOutput) continue;
        const inputs = first.inputs.map((r) => this.shapeOf(r));
        const m = multi(layer);
        const specs = m ? m.weightSpecsFor(inputs) : layer.weightSpecs(inputs[0]);
        const out = callShape(layer, inputs);
        const r = rng.fork(`init/${layer.name}`);
        const params = specs.map((s) => {
          const name = `${layer.name}/${s.name}`;
          const v = values ? values(name, s.shape) : s.init(r);
          const t = e.keep(e.tensor(v, s.shape, `${name} (initial value)`));
          allocated.push(t);
          return { name, value: t };
        });
        if (m) m.builtInputs = inputs;
        layer.builtInput = inputs[0];
        layer.builtOutput = out;
        fresh.push({ layer, params });
      }
      for (const f of fresh) f.layer.setParams(f.params);
    } catch (err) {
      for (const t of allocated) t.dispose();
      for (const f of fresh) {
        f.layer.builtInput = undefined;
        f.layer.builtOutput = undefined;
        const m = multi(f.layer);
        if (m) m.builtInputs = undefined;
      }
      throw err;
    }
  }

  /**
   * One forward pass. `init`: initial states by layer name (fit/predict's initialState option),
   * used by a node that reads none from the graph.
   */
  run(ctx: CallContext, xs: Activation[], init?: Map<string, Tensor[]>): GraphRun {
    const { e } = ctx;
    const { nodes } = this.spec;
    const calls: LayerCall[] = [];
    const value = (r: Ref): Activation => {
      if (isInput(r)) return xs[r.input];
      const c = calls[r.node];
      return r.output === 0 ? c.out : { t: c.states![r.output - 1] };
    };
    for (const n of nodes) {
      const layer = this.layers[n.layer];
      // A node reading only model inputs (data) needs no input gradient (rnnBackward then skips a matmul).
      const inputGrad = n.inputs.some((r) => !isInput(r));
      const initialState = n.initialState.length ? n.initialState.map((r) => value(r).t) : init?.get(layer.name);
      const c = { ...ctx, initialState, inputGrad };
      const m = multi(layer);
      calls.push(m ? m.callMany(c, n.inputs.map(value)) : layer.call(c, value(n.inputs[0])));
    }
    // Gradients recorded per node output, and per node for its logits.
    const grads: (Tensor | undefined)[][] = this.shapes.map((s) => s.map(() => undefined));
    const logitGrads: (Tensor | undefined)[] = nodes.map(() => undefined);
    const add = (r: Ref, g: Tensor | undefined) => {
      if (!g || isInput(r)) return;
      const cur = grads[r.node][r.output];
      grads[r.node][r.output] = cur ? e.add(cur, g) : g;
    };
    const none: Backward = { grads: [] };
    const outputs = this.spec.outputs.map((r): LayerCall => {
      if (isInput(r)) throw new ConfigError('model: an output is a model input; put at least one layer between them.');
      const c = calls[r.node];
      if (r.output > 0) return { out: { t: c.states![r.output - 1] }, backward: (dy) => (add(r, dy), none) };
      const out: LayerCall = { out: c.out, states: c.states, backward: (dy) => (add(r, dy), none) };
      // The loss may read the logits only where nothing else reads this output.
      if (c.logits && this.#readers[r.node][0] === 0)
        out.logits = {
          ...c.logits,
          backward: (dz) => {
            logitGrads[r.node] = logitGrads[r.node] ? e.add(logitGrads[r.node]!, dz) : dz;
            return none;
          },
        };
      return out;
    });
    const backward = (): Tensor[][] => {
      const perLayer: (Tensor[] | undefined)[] = this.layers.map(() => undefined);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i];
        const layer = this.layers[n.layer];
        const c = calls[i];
        const [dy, ...dStates] = grads[i];
        let b: Backward;
        if (logitGrads[i] && !dy && !dStates.some((d) => d)) b = c.logits!.backward(logitGrads[i]!);
        else if (dy || dStates.some((d) => d) || logitGrads[i]) {
          if (logitGrads[i]) throw new ConfigError(`'${layer.name}': its output feeds a loss from logits and another gradient at once.`);
          b = dStates.some((d) => d) ? c.backward(dy ?? e.zeros(c.out.t.shape), dStates) : c.backward(dy!);
        } else {
          // Nothing reaches this call: zero gradients for its weights.
          b = { grads: layer.params.map((p) => e.zeros(p.value.shape)) };
        }
        const prev = perLayer[n.layer];
        perLayer[n.layer] = prev ? prev.map((g, k) => e.add(g, b.grads[k])) : b.grads;
        const dxs = multi(layer) ? (b.dxs ?? []) : [b.dx];
        n.inputs.forEach((r, k) => {
          if (isInput(r)) return;
          if (!dxs[k] && (dy || dStates.some((d) => d) || logitGrads[i]))
            throw new ConfigError(`'${layer.name}' gives no input gradient; it must be the first layer (read a model input).`);
          add(r, dxs[k]);
        });
        n.initialState.forEach((r, k) => add(r, b.dInitialState?.[k]));
      }
      return perLayer.map((g) => g ?? []);
    };
    return { outputs, calls, backward };
  }
}
