/**
 * The few ONNX protobuf messages an inference graph needs, encoded by hand (proto3 wire format:
 * varints, length-delimited fields). Field numbers from onnx/onnx.proto.
 */

/** A growing byte buffer with protobuf field writers. */
class Writer {
  #bytes: number[] = [];

  #varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.#bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.#bytes.push(Number(x));
  }

  #tag(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  int(field: number, v: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#bytes.push(...b);
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(v.length));
    for (let i = 0; i < v.length; i++) this.#bytes.push(v[i]);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeName = keyof typeof DataType;

export interface TensorValue {
  name: string;
  type: DataTypeName;
  dims: number[];
  /** Values (FLOAT, INT32, INT64: numbers; BOOL: 0/1). */
  data: ArrayLike<number>;
}

export type AttributeValue = number | string | number[] | { floats: number[] } | { strings: string[] } | { tensor: TensorValue };

export interface NodeValue {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ValueInfo {
  name: string;
  type: DataTypeName;
  /** A number, or a name for a dimension known only at run time. */
  dims: (number | string)[];
}

export interface GraphValue {
  name: string;
  nodes: NodeValue[];
  initializers: TensorValue[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function tensor(t: TensorValue): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, DataType[t.type]);
  w.string(8, t.name);
  const n = t.data.length;
  const size = t.type === 'INT64' ? 8 : t.type === 'BOOL' ? 1 : 4;
  const raw = new Uint8Array(n * size);
  const v = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const x = t.data[i];
    if (t.type === 'FLOAT') v.setFloat32(4 * i, x, true);
    else if (t.type === 'INT32') v.setInt32(4 * i, x, true);
    else if (t.type === 'INT64') v.setBigInt64(8 * i, BigInt(x), true);
    else v.setUint8(i, x ? 1 : 0);
  }
  w.bytes(9, raw);
  return w;
}

// AttributeProto.AttributeType
const FLOAT = 1;
const INT = 2;
const STRING = 3;
const TENSOR = 4;
const FLOATS = 6;
const INTS = 7;
const STRINGS = 8;

function attribute(name: string, a: AttributeValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof a === 'number') {
    if (Number.isInteger(a)) w.int(3, a).int(20, INT);
    else w.float(2, a).int(20, FLOAT);
  } else if (typeof a === 'string') w.string(4, a).int(20, STRING);
  else if (Array.isArray(a)) {
    for (const v of a) w.int(8, v);
    w.int(20, INTS);
  } else if ('floats' in a) {
    for (const v of a.floats) w.float(7, v);
    w.int(20, FLOATS);
  } else if ('strings' in a) {
    for (const v of a.strings) w.string(9, v);
    w.int(20, STRINGS);
  } else w.message(5, tensor(a.tensor)).int(20, TENSOR);
  return w;
}

function node(n: NodeValue): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, DataType[v.type]).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

/** A ModelProto with one graph, for the default ONNX domain at `opset`. */
export function encodeModel(graph: GraphValue, opset: number, producer: { name: string; version: string }): Uint8Array {
  const g = new Writer();
  for (const n of graph.nodes) g.message(1, node(n));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensor(t));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));
  // IR version 8 goes with opset 17 (onnx/docs/Versioning.md).
  return new Writer()
    .int(1, 8)
    .string(2, producer.name)
    .string(3, producer.version)
    .message(7, g)
    .message(8, new Writer().string(1, '').int(2, opset))
    .finish();
}
