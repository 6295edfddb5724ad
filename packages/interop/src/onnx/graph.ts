/** A small builder for an ONNX graph: nodes with fresh output names, and named constants. */
import type { AttributeValue, DataTypeName, GraphValue, NodeValue, TensorValue, ValueInfo } from './protobuf.js';

export class GraphBuilder {
  readonly nodes: NodeValue[] = [];
  readonly initializers: TensorValue[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  #n = 0;
  #consts = new Map<string, string>();

  constructor(readonly name: string) {}

  /** Adds a node; returns its output names (`count` of them). */
  op(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, count = 1): string[] {
    const id = `${op}_${this.#n++}`;
    const outputs = Array.from({ length: count }, (_, i) => (count === 1 ? id : `${id}_${i}`));
    this.nodes.push({ op, inputs, outputs, name: id, attributes });
    return outputs;
  }

  /** Adds a node with one output; returns its name. */
  one(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.op(op, inputs, attributes)[0];
  }

  /** A named initializer (weights). */
  weight(name: string, dims: number[], data: ArrayLike<number>, type: DataTypeName = 'FLOAT'): string {
    this.initializers.push({ name, type, dims, data });
    return name;
  }

  /** A shared constant (deduplicated by value). */
  const(type: DataTypeName, dims: number[], data: number[]): string {
    const key = `${type}:${dims.join(',')}:${data.join(',')}`;
    let name = this.#consts.get(key);
    if (!name) {
      name = `const_${this.#consts.size}`;
      this.initializers.push({ name, type, dims, data });
      this.#consts.set(key, name);
    }
    return name;
  }

  /** An int64 1-D constant. */
  ints(...v: number[]): string {
    return this.const('INT64', [v.length], v);
  }

  finish(): GraphValue {
    return { name: this.name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs };
  }
}
