/**
 * safetensors, read and written here (no dependency): an 8-byte little-endian header length N,
 * N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`,
 * then the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * Reading checks everything against the file length before allocating: the header size (bounded),
 * the JSON (names as own keys only, so `__proto__` is an ordinary name), each dtype, shape
 * (non-negative integers, element count bounded) and byte range (in the data section, matching
 * dtype x shape), that ranges neither overlap nor leave gaps and cover the data exactly. A file
 * that passes is then decoded one tensor at a time.
 */
import { SafetensorsError } from './errors.js';

/** The dtypes we read and write: byte size and little-endian accessors (integers read as exact numbers). */
const CODECS = {
  F64: { bytes: 8, get: (v: DataView, at: number) => v.getFloat64(at, true), set: (v: DataView, at: number, x: number) => v.setFloat64(at, x, true) },
  F32: { bytes: 4, get: (v: DataView, at: number) => v.getFloat32(at, true), set: (v: DataView, at: number, x: number) => v.setFloat32(at, x, true) },
  I64: {
    bytes: 8,
    get: (v: DataView, at: number) => Number(v.getBigInt64(at, true)),
    set: (v: DataView, at: number, x: number) => v.setBigInt64(at, BigInt(Math.trunc(x)), true),
  },
  I32: { bytes: 4, get: (v: DataView, at: number) => v.getInt32(at, true), set: (v: DataView, at: number, x: number) => v.setInt32(at, x, true) },
  U8: { bytes: 1, get: (v: DataView, at: number) => v.getUint8(at), set: (v: DataView, at: number, x: number) => v.setUint8(at, x) },
} as const;
export type Dtype = keyof typeof CODECS;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES = Object.fromEntries(Object.entries(CODECS).map(([k, c]) => [k, c.bytes])) as { readonly [K in Dtype]: number };

export interface SafetensorsEntry {
  dtype: Dtype;
  shape: number[];
  /** Byte range in the data section. */
  begin: number;
  end: number;
}

/** A tensor to write: values and shape; dtype F32 unless given. */
export interface SafetensorsTensor {
  data: ArrayLike<number>;
  shape: readonly number[];
  dtype?: Dtype;
}

/** A decoded tensor: F32/F64 as Float32Array/Float64Array, integers as Float64Array (exact below 2^53). */
export interface DecodedTensor {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsLimits {
  /** Largest JSON header accepted, in bytes (default 16 MiB; the format's own limit is 100 MB). */
  maxHeaderBytes?: number;
  /** Largest number of elements in one tensor (default 2^28). */
  maxElements?: number;
}

const DEFAULT_MAX_HEADER = 16 * 1024 * 1024;
const DEFAULT_MAX_ELEMENTS = 2 ** 28;

/** Parses and validates the header of `bytes` (the whole file). Allocates only the header string. */
export function readSafetensorsHeader(
  bytes: Uint8Array,
  source = 'safetensors',
  limits: SafetensorsLimits = {},
): { entries: Map<string, SafetensorsEntry>; metadata: Record<string, string>; dataStart: number } {
  const fail = (problem: ConstructorParameters<typeof SafetensorsError>[1], msg: string): never => {
    throw new SafetensorsError(source, problem, msg);
  };
  const maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  const maxElements = limits.maxElements ?? DEFAULT_MAX_ELEMENTS;
  if (bytes.length < 8) fail('truncated', `the file has ${bytes.length} bytes; it needs at least the 8-byte header length.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(maxHeader))
    fail('header-size', `the header claims ${n} bytes; at most ${maxHeader} are accepted (raise limits.maxHeaderBytes for a file you trust).`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length)
    fail('truncated', `the header claims ${headerLen} bytes but the file has only ${bytes.length - 8} after the length; the file is truncated.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail('header-json', `the header is not valid UTF-8 JSON (${(err as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('header-json', 'the header must be a JSON object of tensors.');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  const metadata: Record<string, string> = Object.create(null);
  for (const name of Object.keys(parsed as object)) {
    const info = (parsed as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('header-json', '__metadata__ must be an object of strings.');
      for (const k of Object.keys(info as object)) {
        const v = (info as Record<string, unknown>)[k];
        if (typeof v !== 'string') fail('header-json', `__metadata__.${k} must be a string.`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (name.length === 0 || name.length > 1024) fail('name', `a tensor name must have 1 to 1024 characters, got ${name.length}.`);
    if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('header-json', `tensor '${name}' must be { dtype, shape, data_offsets }.`);
    const { dtype, shape, data_offsets: off } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(CODECS, dtype))
      fail('dtype', `tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}.`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail('shape', `tensor '${name}' has shape ${JSON.stringify(shape)}; a shape is at most 8 non-negative integers.`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > maxElements)
        fail('too-large', `tensor '${name}' of shape ${JSON.stringify(shape)} has more than ${maxElements} elements (limits.maxElements).`);
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1])
      fail('offsets', `tensor '${name}' has data_offsets ${JSON.stringify(off)}; they must be [begin, end] with 0 <= begin <= end.`);
    const [begin, end] = off as [number, number];
    if (end > dataLen) fail('truncated', `tensor '${name}' ends at byte ${end} of the data, but the file has ${dataLen} data bytes; the file is truncated.`);
    const want = count * DTYPE_BYTES[dtype as Dtype];
    if (end - begin !== want)
      fail('offsets', `tensor '${name}' (${dtype} ${JSON.stringify(shape)}) needs ${want} bytes, but data_offsets span ${end - begin}.`);
    entries.set(name, { dtype: dtype as Dtype, shape: [...(shape as number[])], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let at = 0;
  for (const [name, e] of sorted) {
    if (e.begin < at) fail('overlap', `tensor '${name}' starts at byte ${e.begin}, inside the previous tensor (which ends at ${at}).`);
    if (e.begin > at) fail('gap', `bytes ${at}..${e.begin} of the data belong to no tensor; a valid file has no gaps.`);
    at = e.end;
  }
  if (at !== dataLen) fail('gap', `the tensors cover ${at} bytes but the data section has ${dataLen}; the file has trailing bytes or is corrupted.`);
  return { entries, metadata, dataStart };
}

/** Reads a whole safetensors file: validated header first, then each tensor decoded. */
export function readSafetensors(
  bytes: Uint8Array,
  source = 'safetensors',
  limits: SafetensorsLimits = {},
): { tensors: Map<string, DecodedTensor>; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, source, limits);
  const tensors = new Map<string, DecodedTensor>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [name, e] of entries) {
    const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    const at = dataStart + e.begin;
    const { bytes: size, get } = CODECS[e.dtype];
    const data = e.dtype === 'F32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = get(view, at + size * i);
    if (e.dtype === 'I64' && data.some((v) => !Number.isSafeInteger(v)))
      throw new SafetensorsError(source, 'dtype', `tensor '${name}' holds I64 values beyond 2^53; they cannot be read exactly.`);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Encodes tensors (in the given order) as a safetensors file; the header is padded to 8 bytes. */
export function writeSafetensors(tensors: Iterable<[string, SafetensorsTensor]>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  const parts: { t: SafetensorsTensor; dtype: Dtype; begin: number; count: number }[] = [];
  let at = 0;
  if (metadata) header.__metadata__ = { ...metadata };
  for (const [name, t] of tensors) {
    const dtype = t.dtype ?? 'F32';
    if (name === '__metadata__' || Object.hasOwn(header, name)) throw new SafetensorsError('write', 'name', `tensor name '${name}' is reserved or given twice.`);
    if (!Object.hasOwn(CODECS, dtype)) throw new SafetensorsError('write', 'dtype', `dtype ${dtype} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}.`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== t.data.length)
      throw new SafetensorsError('write', 'shape', `tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}].`);
    const size = count * DTYPE_BYTES[dtype];
    // Own-property definition: a tensor named __proto__ stays an ordinary key of the header.
    Object.defineProperty(header, name, { value: { dtype, shape: [...t.shape], data_offsets: [at, at + size] }, enumerable: true, writable: true, configurable: true });
    parts.push({ t, dtype, begin: at, count });
    at += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const { t, dtype, begin, count } of parts) {
    const o = base + begin;
    const { bytes: size, set } = CODECS[dtype];
    for (let i = 0; i < count; i++) set(view, o + size * i, t.data[i]);
  }
  return out;
}
