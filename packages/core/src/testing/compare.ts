/**
 * Element-wise comparison with numpy `allclose` semantics, and the report types the
 * conformance runner produces (one Check per compared quantity, one CaseReport per case).
 */
import { ConfigError } from '../errors.js';

/** The result of comparing one quantity (an output, a gradient, a loss curve) with its reference. */
export interface Check {
  /** What was compared, e.g. `grads.W_hf`; says so when the lengths differed. */
  quantity: string;
  /** max |got - want|; NaN if any value was NaN or the lengths differed. */
  maxAbs: number;
  /** max |got - want| / |want| (Infinity where want is 0 and got is not); NaN as maxAbs. */
  maxRel: number;
  atol: number;
  rtol: number;
  /** Every element has |got - want| <= atol + rtol * |want| (NaN fails; equal infinities pass). */
  pass: boolean;
  /**
   * The element that uses the most of its tolerance (furthest over it, or if all pass, closest
   * to it); the first NaN or infinite miss if any.
   * -1 when there are no elements or the lengths differed.
   */
  worstIndex: number;
}

export interface CaseReport {
  section: 'cells' | 'losses' | 'optimizers' | 'training' | 'primitives' | 'gradients' | 'leaks' | 'inspection';
  name: string;
  pass: boolean;
  checks: Check[];
  /** Set when the case threw instead of producing values. */
  error?: string;
}

export interface FixtureReport {
  /** The backend's name. */
  backend: string;
  /** The fixture file, when known. */
  source?: string;
  pass: boolean;
  cases: CaseReport[];
}

/**
 * Compares `got` with `want` per element like numpy.allclose(got, want, rtol, atol):
 * |got - want| <= atol + rtol * |want|. NaN anywhere fails; infinities pass only when equal.
 * A length mismatch fails with a note in `quantity`.
 */
export function compare(quantity: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): Check {
  if (!(atol >= 0) || !(rtol >= 0) || !Number.isFinite(atol) || !Number.isFinite(rtol))
    throw new ConfigError(`compare(${quantity}): atol ${atol} and rtol ${rtol} must be finite and >= 0.`);
  if (got.length !== want.length)
    return {
      quantity: `${quantity} (length ${got.length}, wanted ${want.length})`,
      maxAbs: NaN,
      maxRel: NaN,
      atol,
      rtol,
      pass: false,
      worstIndex: -1,
    };
  let maxAbs = 0;
  let maxRel = 0;
  let sawNaN = false;
  let pass = true;
  let worstIndex = -1;
  let worstUsed = 0;
  let worstSize = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    const tol = atol + rtol * Math.abs(w);
    let d: number;
    let ok: boolean;
    if (g === w) {
      d = 0;
      ok = true;
    } else {
      d = Math.abs(g - w); // NaN if either is NaN, Infinity if exactly one is infinite
      ok = Number.isFinite(g) && Number.isFinite(w) && d <= tol;
    }
    if (Number.isNaN(d)) sawNaN = true;
    else {
      if (d > maxAbs) maxAbs = d;
      const rel = d === 0 ? 0 : d / Math.abs(w);
      if (rel > maxRel) maxRel = rel;
    }
    if (!ok) pass = false;
    // The worst element uses the most of its tolerance (d / tol; > 1 fails), larger d breaking
    // ties; a NaN or infinite miss ranks above everything.
    const used = Number.isNaN(d) || (!ok && !Number.isFinite(d)) ? Infinity : d === 0 ? 0 : tol > 0 ? d / tol : Infinity;
    const size = Number.isNaN(d) ? Infinity : d;
    if (worstIndex < 0 || used > worstUsed || (used === worstUsed && size > worstSize)) {
      worstUsed = used;
      worstSize = size;
      worstIndex = i;
    }
  }
  return { quantity, maxAbs: sawNaN ? NaN : maxAbs, maxRel: sawNaN ? NaN : maxRel, atol, rtol, pass, worstIndex };
}
