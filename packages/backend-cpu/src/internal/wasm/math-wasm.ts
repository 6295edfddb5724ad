/**
 * Vector exp, sigmoid and tanh (four float32 lanes) for the fused cell kernels, after Cephes
 * (expf.c, tanhf.c; the single-precision polynomials also used by sse_mathfun), accurate to a
 * few float32 ulp:
 *
 *   exp(x)     = 2^n * e^r, n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two parts for
 *                exactness), e^r by a degree-6 polynomial; x clamped to [-87.3, 88.72]: 2^n
 *                is a normal float or, for n = 128 (x above about 88.4), Infinity, where
 *                float32 exp overflows (or nearly does).
 *   sigmoid(x) = 1 / (1 + exp(-x)): exactly 0 for x below about -88.4, exactly 1 above 17.
 *   tanh(x)    = x + x^3 P(x^2) for |x| < 0.625 (no cancellation near 0), else
 *                sign(x) * (1 - 2 / (exp(2|x|) + 1)), with 2|x| clamped at 88 (tanh is 1 there).
 *   log(x)     = e ln 2 + log(m) for a positive normal x = m 2^e, m in [sqrt(1/2), sqrt(2)),
 *                log(m) = f - f^2/2 + f^3 P(f), f = m - 1 (logf.c); the log-softmax's
 *                log(sum of exp) only, whose argument is at least 1.
 *
 * The TypeScript kernels use Math.exp / Math.tanh; the tests hold both paths to the float64
 * reference at the same tolerance.
 *
 * These are emitters, inlined where they are used (a call per four lanes cost about a third
 * of the LSTM step): each takes x from the stack and leaves f(x) there, using scratch locals
 * that `declareMath(f)` adds to the function once.
 */
import { type Fn, V128 } from './fn.js';

const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/** Adds the scratch locals of the emitters below. */
export function declareMath(f: Fn): void {
  f.local(V128, 'm_x', 'm_n', 'm_r', 'm_z', 'm_t', 'm_a', 'm_big');
}

const LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1];

/** Horner: ((c0 * t + c1) * t + ...) with t in local `t`; leaves the value on the stack. */
function horner(f: Fn, coeffs: number[], t: string): Fn {
  f.f32x4(coeffs[0]);
  for (let i = 1; i < coeffs.length; i++) f.get(t).vmul().f32x4(coeffs[i]).vadd();
  return f;
}

/** x -> exp(x). */
export function vexp(f: Fn): Fn {
  // x = clamp(x); n = nearest(x * log2 e)
  f.f32x4(-87.33654).vmax().f32x4(88.72283).vmin().tee('m_x');
  f.f32x4(Math.LOG2E).vmul().vnearest().set('m_n');
  // r = x - n * 0.693359375 + n * 2.12194440e-4
  f.get('m_x').get('m_n').f32x4(0.693359375).vmul().vsub().get('m_n').f32x4(2.1219444e-4).vmul().vadd().set('m_r');
  f.get('m_r').get('m_r').vmul().set('m_z');
  // y = P(r) * z + r + 1
  horner(f, EXP_P, 'm_r').get('m_z').vmul().get('m_r').vadd().f32x4(1).vadd();
  // * 2^n: the exponent bits (n + 127) << 23
  f.get('m_n').truncS().i32(23).ishl().i32x4(0x3f800000).iadd();
  return f.vmul();
}

/** x -> 1 / (1 + exp(-x)). */
export function vsigmoid(f: Fn): Fn {
  f.vneg();
  vexp(f);
  f.f32x4(1).vadd().set('m_t');
  return f.f32x4(1).get('m_t').vdiv();
}

/** x -> tanh(x). */
export function vtanh(f: Fn): Fn {
  f.tee('m_t').vabs().set('m_a');
  // big = 1 - 2 / (exp(min(2a, 88)) + 1), with x's sign
  f.get('m_a').get('m_a').vadd().f32x4(88).vmin();
  vexp(f);
  f.f32x4(1).vadd().set('m_big');
  f.f32x4(1).f32x4(2).get('m_big').vdiv().vsub();
  f.get('m_t').f32x4(-0).vand().vor().set('m_big');
  // small = x + x * z * P(z), z = x^2
  f.get('m_t').get('m_t').vmul().set('m_z');
  f.get('m_t').get('m_t').get('m_z').vmul();
  horner(f, TANH_P, 'm_z').vmul().vadd();
  // a < 0.625 ? small : big
  return f.get('m_big').get('m_a').f32x4(0.625).vlt().vselect();
}

/** x -> log(x), for positive normal x (see the header). */
export function vlog(f: Fn): Fn {
  // frexp: x = m * 2^e with m in [0.5, 1): e from the exponent bits, m with the exponent of 0.5
  f.tee('m_x').i32(23).ishrS().i32x4(126).isub().convertS().set('m_n');
  f.get('m_x').i32x4(0x807fffff).vand().i32x4(0x3f000000).vor().set('m_x');
  // m < sqrt(1/2): e -= 1, f = 2m - 1; else f = m - 1
  f.get('m_x').f32x4(Math.SQRT1_2).vlt().set('m_big');
  f.get('m_n').get('m_big').f32x4(1).vand().vsub().set('m_n');
  f.get('m_x').f32x4(1).vsub().get('m_x').get('m_big').vand().vadd().set('m_r');
  f.get('m_r').get('m_r').vmul().set('m_z');
  // y = f * z * P(f) - 2.12194440e-4 e - z / 2; log = f + y + 0.693359375 e
  horner(f, LOG_P, 'm_r').get('m_r').vmul().get('m_z').vmul();
  f.get('m_n').f32x4(-2.12194440e-4).vmul().vadd();
  f.get('m_z').f32x4(-0.5).vmul().vadd();
  f.get('m_r').vadd();
  return f.get('m_n').f32x4(0.693359375).vmul().vadd();
}

