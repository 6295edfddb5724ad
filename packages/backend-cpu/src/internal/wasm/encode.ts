/**
 * A small WebAssembly binary writer: enough of the format (types, an imported memory,
 * functions, exports, code) to assemble the kernels in this folder from TypeScript, with no
 * external toolchain. Reference: the WebAssembly core specification, "Binary Format", and the
 * fixed-width SIMD proposal's opcode table.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number, out: number[] = []): number[] {
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const sized = (body: number[]): number[] => [...uleb(body.length), ...body];

export interface FunctionDef {
  name: string;
  params: ValType[];
  results?: ValType[];
  /** Exported under `name` (default true); helpers called by other functions are not. */
  exported?: boolean;
  /** Extra locals, in order after the params. */
  locals: ValType[];
  /** The instructions, without the final `end`. */
  body: number[];
}

/**
 * A module that imports its memory as env.memory (so several modules share one heap) and
 * exports its functions by name. Function i has index i (for `call`). `sharedMaxPages`: the
 * memory is a shared one (threads) with that maximum, which the import must declare.
 */
export function assembleModule(fns: FunctionDef[], sharedMaxPages = 0): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results?.length ?? 0), ...(f.results ?? [])]);
  // Limits: flags 0 (min only) or 3 (shared, min and max), then min = 1 page.
  const limits = sharedMaxPages ? [0x03, ...uleb(1), ...uleb(sharedMaxPages)] : [0x00, ...uleb(1)];
  const imports = vec([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.flatMap((f, i) => (f.exported === false ? [] : [[...utf8(f.name), 0x00, ...uleb(i)]])));
  const codes = vec(
    fns.map((f) => {
      // Locals are run-length encoded by type.
      const groups: number[][] = [];
      for (let i = 0; i < f.locals.length; ) {
        let j = i;
        while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
        groups.push([...uleb(j - i), f.locals[i]]);
        i = j;
      }
      const body = [...vec(groups), ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  // The "name" custom section (function names subsection): profilers show `lstmCell`, not `wasm-function[0]`.
  const names = [...utf8('name'), 0x01, ...sized(vec(fns.map((f, i) => [...uleb(i), ...utf8(f.name)])))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, codes),
    ...section(0, names),
  ]); // prettier-ignore
}
