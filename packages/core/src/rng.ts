/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna, 2018), 128 bits of state,
 * period 2^128 - 1, seeded through splitmix32 so that nearby seeds give unrelated streams.
 *
 * Determinism: the generator uses only 32-bit integer arithmetic (Math.imul, shifts), so
 * `next`, `int`, `shuffle` and `fork` give bit-identical results on every platform. `normal`
 * additionally calls Math.log, Math.sqrt and Math.cos/sin; ECMAScript leaves the last bit of
 * log/cos/sin to the implementation (V8 and SpiderMonkey both use fdlibm ports and agree).
 */
import { ConfigError, quote, StateError } from './errors.js';

export interface RngState {
  /** The four 32-bit state words, as unsigned integers. */
  s: [number, number, number, number];
  /** The second Box-Muller value, waiting to be returned by normal(). */
  spare: number | null;
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** splitmix32's output function: a bijective 32-bit mixer. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** FNV-1a over UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Four state words from two 32-bit seed words via a splitmix32 sequence. Never all zero. */
function seedState(lo: number, hi: number): [number, number, number, number] {
  let x = mix32(lo ^ mix32(hi ^ 0x5bd1e995));
  const s: number[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    s.push(mix32(x));
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s as [number, number, number, number];
}

const TWO_32 = 2 ** 32;

export class Rng {
  #s: [number, number, number, number];
  #spare: number | null = null;

  /** `seed` is any safe integer (negative allowed). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new ConfigError(`Rng: seed must be a safe integer, got ${seed}.`);
    this.#s = seedState(seed >>> 0, Math.floor(seed / TWO_32) >>> 0);
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits (two 32-bit draws). */
  next(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A standard normal value (Box-Muller; each pair of uniforms gives two values). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u2;
    this.#spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** A uniform integer in [0, n), unbiased (rejection sampling). 1 <= n <= 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new ConfigError(`Rng.int: n must be an integer in [1, 2^32], got ${n}.`);
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * A derived, independent generator.
   *  - `fork(label)` does not advance this generator: the child depends on this generator's
   *    current state and the label, so named streams (`fork('init')`, `fork('shuffle')`) do not
   *    change when another fork is added, and the same label at the same point gives the same
   *    stream.
   *  - `fork()` advances this generator (four 32-bit draws), so each call gives a new stream.
   */
  fork(label?: string): Rng {
    const src =
      label === undefined ? [this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()] : [...this.#s];
    const salt = label === undefined ? 0x6a09e667 : hashString(label);
    const s = src.map((w, i) => mix32(w ^ mix32((salt + Math.imul(i + 1, 0x9e3779b9)) | 0))) as RngState['s'];
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
    const child = new Rng(0);
    child.#s = s;
    return child;
  }

  /** A JSON-serialisable snapshot; `setState` resumes exactly from it. */
  getState(): RngState {
    return { s: [this.#s[0] >>> 0, this.#s[1] >>> 0, this.#s[2] >>> 0, this.#s[3] >>> 0], spare: this.#spare };
  }

  setState(state: RngState): void {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32))
      throw new StateError(`Rng.setState: s must be four unsigned 32-bit integers, got ${quote(s)}.`);
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new StateError('Rng.setState: the state words must not all be zero.');
    const spare = state.spare ?? null;
    if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare)))
      throw new StateError(`Rng.setState: spare must be null or a finite number, got ${quote(spare)}.`);
    this.#s = [s[0] | 0, s[1] | 0, s[2] | 0, s[3] | 0];
    this.#spare = spare;
  }
}
