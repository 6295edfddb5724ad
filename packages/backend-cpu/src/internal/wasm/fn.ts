/**
 * An instruction writer for one function body: locals by name, structured control flow, and
 * the scalar and SIMD instructions the kernels use. Each method appends bytes and returns
 * `this`, so a kernel reads as a sequence of stack-machine instructions.
 *
 * Addresses are byte offsets into the shared memory; a load or store takes an optional
 * constant `offset` (folded into the instruction).
 */
import { F32, I32, V128, sleb, uleb, type FunctionDef, type ValType } from './encode.js';

/** Opcodes after the 0xfd SIMD prefix. */
const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  extractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  f32x4Eq: 0x41,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  and: 0x4e,
  andNot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  i32x4Shl: 0xab,
  i32x4ShrS: 0xac,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Nearest: 0x6a,
  f32x4DemoteZero: 0x5e,
  f64x2PromoteLow: 0x5f,
  f64x2Add: 0xf0,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  truncSatS: 0xf8,
  convertS: 0xfa,
  /** Relaxed SIMD (a separate proposal; feature-detected, see kernels.ts). */
  f32x4RelaxedMadd: 0x105,
} as const;

export class Fn {
  readonly name: string;
  readonly #params: ValType[] = [];
  readonly #locals: ValType[] = [];
  readonly #index = new Map<string, number>();
  readonly code: number[] = [];

  readonly #results: ValType[];
  readonly #exported: boolean;

  constructor(name: string, params: [string, ValType][], results: ValType[] = [], exported = true) {
    this.name = name;
    this.#results = results;
    this.#exported = exported;
    for (const [n, t] of params) {
      this.#index.set(n, this.#params.length);
      this.#params.push(t);
    }
  }

  /** Declares locals (names must be new). */
  local(type: ValType, ...names: string[]): this {
    for (const n of names) {
      if (this.#index.has(n)) throw new Error(`wasm ${this.name}: local ${n} declared twice`);
      this.#index.set(n, this.#params.length + this.#locals.length);
      this.#locals.push(type);
    }
    return this;
  }

  #idx(n: string): number[] {
    const i = this.#index.get(n);
    if (i === undefined) throw new Error(`wasm ${this.name}: unknown local ${n}`);
    return uleb(i);
  }

  #op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  #simd(op: number, ...imm: number[]): this {
    return this.#op(0xfd, ...uleb(op), ...imm);
  }

  def(): FunctionDef {
    return { name: this.name, params: this.#params, results: this.#results, exported: this.#exported, locals: this.#locals, body: this.code };
  }

  // ---- locals and constants
  get = (n: string) => this.#op(0x20, ...this.#idx(n));
  set = (n: string) => this.#op(0x21, ...this.#idx(n));
  tee = (n: string) => this.#op(0x22, ...this.#idx(n));
  i32 = (v: number) => this.#op(0x41, ...sleb(v));
  f32 = (v: number) => this.#op(0x43, ...new Uint8Array(Float32Array.of(v).buffer));
  /** A v128 with the same float in every lane. */
  f32x4 = (v: number) => this.#simd(SIMD.const, ...new Uint8Array(new Float32Array([v, v, v, v]).buffer));
  /** A v128 with these four floats, lane 0 first. */
  f32x4Lanes = (v: [number, number, number, number]) => this.#simd(SIMD.const, ...new Uint8Array(new Float32Array(v).buffer));
  /** A v128 with the same int32 in every lane. */
  i32x4 = (v: number) => this.#simd(SIMD.const, ...new Uint8Array(new Int32Array([v, v, v, v]).buffer));

  // ---- control flow (block type: empty)
  block = () => this.#op(0x02, 0x40);
  loop = () => this.#op(0x03, 0x40);
  if = () => this.#op(0x04, 0x40);
  else = () => this.#op(0x05);
  end = () => this.#op(0x0b);
  br = (depth: number) => this.#op(0x0c, ...uleb(depth));
  brIf = (depth: number) => this.#op(0x0d, ...uleb(depth));
  return = () => this.#op(0x0f);
  /** Calls function `index` of the module (its position in assembleModule's list). */
  call = (index: number) => this.#op(0x10, ...uleb(index));

  // ---- i32
  add = () => this.#op(0x6a);
  sub = () => this.#op(0x6b);
  mul = () => this.#op(0x6c);
  shl = () => this.#op(0x74);
  eqz = () => this.#op(0x45);
  ne = () => this.#op(0x47);
  and = () => this.#op(0x71);
  ltS = () => this.#op(0x48);
  leS = () => this.#op(0x4c);
  gtS = () => this.#op(0x4a);
  geS = () => this.#op(0x4e);
  ltU = () => this.#op(0x49);
  /** i32.trunc_sat_f64_s: NaN -> 0, out of range -> the nearest i32. */
  i32FromF64 = () => this.#op(0xfc, 0x02);
  /**
   * for (i = 0; ; i += 16) { o = min(i, last); body(); if (o == last) break }: every 16-byte
   * vector of n >= 4 floats, by byte offset `o`, the last one at `last` = 4 (n - 4) (set by the
   * caller) overlapping the one before. Uses the i32 locals i, last and o.
   */
  overlappingVectors = (body: () => void) => {
    this.i32(0).set('i');
    this.loop();
    this.get('i').get('last').gtS().if().get('last').set('o').else().get('i').set('o').end();
    body();
    this.inc('i', 16).get('o').get('last').ltS().brIf(0);
    return this.end();
  };
  /** local += v (an i32 constant or another local). */
  inc = (n: string, v: number | string) => {
    this.get(n);
    if (typeof v === 'number') this.i32(v);
    else this.get(v);
    return this.add().set(n);
  };

  // ---- f32 scalar
  f32Load = (offset = 0) => this.#op(0x2a, 2, ...uleb(offset));
  f32Store = (offset = 0) => this.#op(0x38, 2, ...uleb(offset));
  f32Add = () => this.#op(0x92);
  f32Sub = () => this.#op(0x93);
  f32Mul = () => this.#op(0x94);
  f32Div = () => this.#op(0x95);
  f32Min = () => this.#op(0x96);
  f32Max = () => this.#op(0x97);
  f32Sqrt = () => this.#op(0x91);
  f32Neg = () => this.#op(0x8c);
  /** f32.convert_i32_s. */
  f32FromI32 = () => this.#op(0xb2);

  // ---- f64 scalar
  f64Add = () => this.#op(0xa0);
  f64Floor = () => this.#op(0x9c);
  /** f64.promote_f32. */
  f64FromF32 = () => this.#op(0xbb);
  f64Div = () => this.#op(0xa3);
  f64 = (v: number) => this.#op(0x44, ...new Uint8Array(Float64Array.of(v).buffer));
  f64Store = (offset = 0) => this.#op(0x39, 3, ...uleb(offset));
  /** f32.demote_f64. */
  f32FromF64 = () => this.#op(0xb6);

  // ---- v128 / f32x4
  load = (offset = 0) => this.#simd(SIMD.load, 4, ...uleb(offset));
  store = (offset = 0) => this.#simd(SIMD.store, 4, ...uleb(offset));
  /** Loads one f32 and splats it into every lane. */
  loadSplat = (offset = 0) => this.#simd(SIMD.load32Splat, 2, ...uleb(offset));
  splat = () => this.#simd(SIMD.f32x4Splat);
  lane = (i: number) => this.#simd(SIMD.extractLane, i);
  /** f64x2.extract_lane. */
  dlane = (i: number) => this.#simd(SIMD.f64x2ExtractLane, i);
  /** i8x16.shuffle with 16 lane indices (0-15 first operand, 16-31 second). */
  shuffle = (lanes: number[]) => this.#simd(SIMD.shuffle, ...lanes);
  vadd = () => this.#simd(SIMD.f32x4Add);
  /**
   * f32x4.relaxed_madd: a * b + c (stack a, b, c), fused or not as the hardware does it (one
   * rounding with FMA, two without). Relaxed SIMD only.
   */
  vmadd = () => this.#simd(SIMD.f32x4RelaxedMadd);
  vsub = () => this.#simd(SIMD.f32x4Sub);
  vmul = () => this.#simd(SIMD.f32x4Mul);
  vdiv = () => this.#simd(SIMD.f32x4Div);
  vmin = () => this.#simd(SIMD.f32x4Min);
  vmax = () => this.#simd(SIMD.f32x4Max);
  vabs = () => this.#simd(SIMD.f32x4Abs);
  vneg = () => this.#simd(SIMD.f32x4Neg);
  vsqrt = () => this.#simd(SIMD.f32x4Sqrt);
  /** f32x4 lanes 0, 1 -> f64x2. */
  promoteLow = () => this.#simd(SIMD.f64x2PromoteLow);
  /** Lanes 2 and 3 of local `v`, as the low half of a v128 (for promoteLow). */
  highHalf = (v: string) => this.get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
  /** Float64 sums of float32 lanes: lo += f64(v[0, 1]), hi += f64(v[2, 3]) (locals). */
  addWidened = (v: string, lo: string, hi: string) => this.get(lo).get(v).promoteLow().dadd().set(lo).get(hi).highHalf(v).promoteLow().dadd().set(hi);
  /** Pushes (lo[0] + lo[1]) + (hi[0] + hi[1]) as an f64: the total of addWidened's sums. */
  sumWidened = (lo: string, hi: string) => this.get(lo).dlane(0).get(lo).dlane(1).f64Add().get(hi).dlane(0).get(hi).dlane(1).f64Add().f64Add();
  /** f64x2 -> f32x4 [a, b, 0, 0]. */
  demote = () => this.#simd(SIMD.f32x4DemoteZero);
  dadd = () => this.#simd(SIMD.f64x2Add);
  /** memory.copy (bulk memory): stack dst, src, bytes. */
  memoryCopy = () => this.#op(0xfc, 0x0a, 0x00, 0x00);
  /** Round to nearest, ties to even. */
  vnearest = () => this.#simd(SIMD.f32x4Nearest);
  vlt = () => this.#simd(SIMD.f32x4Lt);
  vgt = () => this.#simd(SIMD.f32x4Gt);
  vand = () => this.#simd(SIMD.and);
  vor = () => this.#simd(SIMD.or);
  vxor = () => this.#simd(SIMD.xor);
  /** (a & mask) | (b & ~mask): stack a, b, mask. */
  vselect = () => this.#simd(SIMD.bitselect);
  iadd = () => this.#simd(SIMD.i32x4Add);
  isub = () => this.#simd(SIMD.i32x4Sub);
  /** i32x4 shift left by an i32 count (stack: v128, i32). */
  ishl = () => this.#simd(SIMD.i32x4Shl);
  ishrS = () => this.#simd(SIMD.i32x4ShrS);
  /** f32x4 -> i32x4, rounding toward zero, saturating. */
  truncS = () => this.#simd(SIMD.truncSatS);
  /** i32x4 -> f32x4. */
  convertS = () => this.#simd(SIMD.convertS);
}

export { F32, I32, V128 };
