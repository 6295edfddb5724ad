/**
 * Seeded mutations of a valid model file, for the untrusted-input tests of every loader: take
 * what a real save wrote (a parsed JSON value and its binary parts), damage it the way a broken
 * disk, a truncated download or an attacker would, and check that the loader either loads it or
 * throws one of our typed errors (never a TypeError, a RangeError, a hang, or a NaN weight). The
 * mutations are seeded, so a failure names its seed and is reproduced by it.
 */
import { RecurrentError } from '../errors.js';
import { testRandom } from './primitives.js';

type Json = unknown;
type Random = () => number;

/** One mutation applied, for a failure's report: where, and what was done. */
export interface Mutation {
  path: string;
  what: string;
}

const DEEP = '[[[...]]] 100000 deep';

/** Values a field is replaced by: wrong types, edge numbers, hostile keys, huge and deep values. */
const REPLACEMENTS: [string, () => Json][] = [
  ['null', () => null],
  ['true', () => true],
  ['0', () => 0],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['2^31', () => 2 ** 31],
  ['2^53 + 2', () => 2 ** 53 + 2],
  ['1e308', () => 1e308],
  ['-0', () => -0],
  ['NaN', () => Number.NaN],
  ['Infinity', () => Number.POSITIVE_INFINITY],
  ["''", () => ''],
  ["'x' x 100000", () => 'x'.repeat(100_000)],
  ["'12'", () => '12'],
  ['[]', () => []],
  ['{}', () => ({})],
  [DEEP, () => deep(100_000)],
  ['{ __proto__: { polluted: 1 } }', () => JSON.parse('{"__proto__": {"polluted": 1}}')],
  ['{ constructor: { prototype: 1 } }', () => ({ constructor: { prototype: 1 } })],
  ['a 10^5-element array', () => new Array(100_000).fill(1)],
];

function deep(depth: number): Json {
  let v: Json = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Every path in `v` (arrays and objects walked, 40 levels at most), root excluded; long arrays are sampled. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length >= 40) return out;
  if (Array.isArray(v)) {
    const step = Math.max(1, Math.floor(v.length / 64));
    for (let i = 0; i < v.length; i += step) {
      out.push([...at, i]);
      paths(v[i], [...at, i], out);
    }
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push([...at, k]);
      paths((v as Record<string, Json>)[k], [...at, k], out);
    }
  }
  return out;
}

const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

function parentOf(root: Json, path: (string | number)[]): Record<string | number, Json> {
  let v = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) v = v[k] as Record<string | number, Json>;
  return v;
}

/** One mutation of a JSON value in place: a field replaced, removed, duplicated, scaled, or a key added. */
function mutateJsonOnce(root: Json, rnd: Random): Mutation {
  const all = paths(root);
  if (all.length === 0) return { path: '', what: 'nothing to mutate' };
  const path = pick(rnd, all);
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  const old = parent[key];
  const where = path.join('.');
  const r = rnd();
  if (r < 0.5) {
    const [what, make] = pick(rnd, REPLACEMENTS);
    parent[key] = make();
    return { path: where, what: `replaced by ${what}` };
  }
  if (r < 0.62) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return { path: where, what: 'removed' };
  }
  if (r < 0.72 && Array.isArray(parent)) {
    parent.splice(key as number, 0, structuredClone(old));
    return { path: where, what: 'duplicated' };
  }
  if (r < 0.86 && typeof old === 'number') {
    const v = pick(rnd, [old + 1, old - 1, -old, old * 1000, old * 1e9, Math.floor(old / 2)]);
    parent[key] = v;
    return { path: where, what: `${old} -> ${v}` };
  }
  if (r < 0.93) {
    // another field's value here: a type confusion with a plausible-looking value
    const other = pick(rnd, all);
    const v = structuredClone(parentOf(root, other)[other[other.length - 1]]);
    parent[key] = v;
    return { path: where, what: `replaced by the value at ${other.join('.')}` };
  }
  if (old !== null && typeof old === 'object' && !Array.isArray(old)) {
    const k = pick(rnd, ['unexpected', '__proto__', 'constructor', 'toString']);
    (old as Record<string, Json>)[k] = pick(rnd, [1, 'x', {}, null]);
    return { path: where, what: `an unknown key '${k}' added` };
  }
  parent[key] = typeof old === 'string' ? `${old}_` : [old];
  return { path: where, what: typeof old === 'string' ? 'string changed' : 'wrapped in an array' };
}

/** 1-3 mutations of a copy of `json`; returns the copy and what was done. */
export function mutateJson<T>(json: T, seed: number): { value: T; mutations: Mutation[] } {
  const rnd = testRandom(seed);
  const rand = () => rnd(0, 1);
  const value = structuredClone(json);
  const n = 1 + Math.floor(rand() * 3);
  const mutations: Mutation[] = [];
  for (let i = 0; i < n; i++) {
    mutations.push(mutateJsonOnce(value, rand));
    if (mutations[i].what.endsWith(DEEP)) break; // the last: copying or walking it would overflow this helper's stack
  }
  return { value, mutations };
}

/**
 * A damaged copy of `bytes`: truncated, extended, bytes flipped, or a float32 (aligned) set to
 * NaN, Infinity or a huge value.
 */
export function mutateBytes(bytes: Uint8Array, seed: number): { value: Uint8Array; mutations: Mutation[] } {
  const rnd = testRandom(seed);
  const rand = () => rnd(0, 1);
  const r = rand();
  if (r < 0.2 || bytes.length === 0) {
    const n = Math.floor(rand() * bytes.length);
    return { value: new Uint8Array(bytes.subarray(0, n)), mutations: [{ path: 'bytes', what: `truncated to ${n} of ${bytes.length}` }] };
  }
  if (r < 0.35) {
    const extra = 1 + Math.floor(rand() * 64);
    const out = new Uint8Array(bytes.length + extra);
    out.set(bytes);
    for (let i = bytes.length; i < out.length; i++) out[i] = Math.floor(rand() * 256);
    return { value: out, mutations: [{ path: 'bytes', what: `${extra} bytes appended` }] };
  }
  const out = new Uint8Array(bytes); // a copy (a Node Buffer's slice() would be a view of `bytes`)
  if (r < 0.7 || out.length < 4) {
    const n = 1 + Math.floor(rand() * 8);
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = Math.floor(rand() * out.length);
      out[p] = Math.floor(rand() * 256);
      at.push(p);
    }
    return { value: out, mutations: [{ path: 'bytes', what: `bytes at ${at.join(', ')} replaced` }] };
  }
  const floats = Math.floor(out.length / 4);
  const i = Math.floor(rand() * floats);
  const v = pick(rand, [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, -3e38]);
  new DataView(out.buffer, out.byteOffset).setFloat32(4 * i, v, true);
  return { value: out, mutations: [{ path: 'bytes', what: `float32 ${i} set to ${v}` }] };
}

/** Pieces a damaged text file gets: separators, quotes, line ends, odd numbers and characters. */
const TEXT_PIECES = ['"', '""', ',', '\n', '\r\n', '\r', '\t', ' ', '\u0000', '\ufeff', '\ud800', '\u00e9', 'NaN', 'Infinity', '-0', '1e400', '0x1F', '9'.repeat(400), 'x'.repeat(100_000), '#', ';;', '  1  '];

/**
 * A damaged copy of a text file (CSV, a dictionary): 1-4 edits, each inserting a separator,
 * quote, line end, odd number or character, deleting or duplicating a span, or cutting the text.
 */
export function mutateText(text: string, seed: number): { value: string; mutations: Mutation[] } {
  const rnd = testRandom(seed);
  const rand = () => rnd(0, 1);
  let v = text;
  const mutations: Mutation[] = [];
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * (v.length + 1));
    const r = rand();
    if (r < 0.55) {
      const piece = pick(rand, TEXT_PIECES);
      v = v.slice(0, at) + piece + v.slice(at);
      mutations.push({ path: `char ${at}`, what: `inserted ${JSON.stringify(piece.length > 20 ? `${piece.slice(0, 8)}... (${piece.length} chars)` : piece)}` });
    } else if (r < 0.75) {
      const len = 1 + Math.floor(rand() * 40);
      v = v.slice(0, at) + v.slice(at + len);
      mutations.push({ path: `char ${at}`, what: `${len} chars deleted` });
    } else if (r < 0.9) {
      const len = 1 + Math.floor(rand() * 80);
      v = v.slice(0, at) + v.slice(at, at + len) + v.slice(at);
      mutations.push({ path: `char ${at}`, what: `${len} chars duplicated` });
    } else {
      v = v.slice(0, at);
      mutations.push({ path: `char ${at}`, what: 'cut there' });
    }
  }
  return { value: v, mutations };
}

/** A mutation list as one line, for a failure message. */
export const describeMutations = (seed: number, ms: Mutation[]): string => `seed ${seed}: ${ms.map((m) => `${m.path || '(root)'} ${m.what}`).join('; ')}`;

/** Null for one of our typed errors (a RecurrentError), else what was thrown, as a line naming `where`. */
export const untypedError = (where: string, e: unknown): string | null =>
  e instanceof RecurrentError ? null : `${where}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 300);

/** How many damaged files loaded, and how many were refused with a typed error. */
export interface DamagedOutcomes {
  loaded: number;
  refused: number;
}

/**
 * Runs a loader on a damaged file and counts the outcome in `outcomes`: `{ model }` when it
 * loaded, null when it threw a typed error and left no tensor behind (`tensors` counts the
 * engine's live tensors), else `{ problem }` saying what went wrong.
 */
export async function loadDamaged<M>(load: () => Promise<M>, tensors: () => number, outcomes: DamagedOutcomes): Promise<{ model: M } | { problem: string } | null> {
  const before = tensors();
  try {
    const model = await load();
    outcomes.loaded++;
    return { model };
  } catch (e) {
    if (tensors() !== before) return { problem: `a failed load left ${tensors() - before} tensors` };
    const bad = untypedError('load', e);
    if (bad) return { problem: bad };
    outcomes.refused++;
    return null;
  }
}
