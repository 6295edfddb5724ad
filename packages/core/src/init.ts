/**
 * Weight initializers, computed on the host in float64 from a seeded Rng (so a seed gives the
 * same weights on every backend). Each returns the row-major values for a shape; upload them
 * with `engine.tensor(values, shape)`.
 *
 * Fans follow Keras: [fanIn, fanOut] = shape for 2-D; shape[0] twice for 1-D; for rank > 2,
 * fanIn = shape[-2] * receptive field and fanOut = shape[-1] * receptive field.
 */
import type { Shape } from './backend.js';
import { ConfigError, quote, ShapeError } from './errors.js';
import { householderQr } from './internal/qr.js';
import { sizeOf } from './internal/shapes.js';
import type { Rng } from './rng.js';

export type Initializer = (shape: Shape, rng: Rng) => Float64Array;

function checkShape(where: string, shape: Shape): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(where, Array.isArray(shape) ? shape : [], 'non-negative integer dimensions');
  return sizeOf(shape);
}

/** Keras's fan computation. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

export const zeros: Initializer = (shape) => new Float64Array(checkShape('zeros', shape));

export const ones: Initializer = (shape) => new Float64Array(checkShape('ones', shape)).fill(1);

export function constant(value: number): Initializer {
  if (!Number.isFinite(value)) throw new ConfigError(`constant initializer: value must be finite, got ${value}.`);
  return (shape) => new Float64Array(checkShape('constant', shape)).fill(value);
}

/** Uniform in [minval, maxval). Defaults are Keras's RandomUniform: [-0.05, 0.05). */
export function uniform(options: { minval?: number; maxval?: number } = {}): Initializer {
  const { minval = -0.05, maxval = 0.05 } = options;
  if (!Number.isFinite(minval) || !Number.isFinite(maxval) || !(minval < maxval))
    throw new ConfigError(`uniform initializer: need finite minval < maxval, got minval ${minval}, maxval ${maxval}.`);
  return (shape, rng) => {
    const out = new Float64Array(checkShape('uniform', shape));
    for (let i = 0; i < out.length; i++) out[i] = minval + (maxval - minval) * rng.next();
    return out;
  };
}

/** Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fanIn + fanOut)). */
export const glorotUniform: Initializer = (shape, rng) => {
  const n = checkShape('glorotUniform', shape);
  const { fanIn, fanOut } = fans(shape);
  const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = limit * (2 * rng.next() - 1);
  return out;
};

/** The standard deviation of a unit normal truncated to [-2, 2] (Keras's constant). */
const TRUNCATED_STD = 0.87962566103423978;

/**
 * Glorot normal as Keras defines it: a normal truncated at two standard deviations
 * (values outside are redrawn), with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796... so the
 * truncated distribution has variance 2 / (fanIn + fanOut).
 */
export const glorotNormal: Initializer = (shape, rng) => {
  const n = checkShape('glorotNormal', shape);
  const { fanIn, fanOut } = fans(shape);
  const std = Math.sqrt(2 / Math.max(1, fanIn + fanOut)) / TRUNCATED_STD;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[i] = std * z;
  }
  return out;
};

/**
 * Keras's Orthogonal initializer for a shape of rank >= 2, flattened to [rows, cols] with
 * cols = shape[-1]: the Q of a QR decomposition of a standard normal [max, min] matrix,
 * sign-corrected by diag(R) (so Q is unique), transposed when rows < cols, times `gain`.
 * The rows are orthonormal when rows <= cols, the columns when rows >= cols.
 */
export function orthogonal(options: { gain?: number } = {}): Initializer {
  const { gain = 1 } = options;
  if (!Number.isFinite(gain)) throw new ConfigError(`orthogonal initializer: gain must be finite, got ${gain}.`);
  return (shape, rng) => {
    const size = checkShape('orthogonal', shape);
    if (shape.length < 2) throw new ShapeError('orthogonal', shape, 'rank >= 2, e.g. [units, units]');
    const cols = shape[shape.length - 1];
    const rows = size / Math.max(1, cols);
    const [m, n] = [Math.max(rows, cols), Math.min(rows, cols)];
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    const { q, rDiag } = householderQr(a, m, n);
    const out = new Float64Array(size);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const v = gain * q[i * n + j] * (rDiag[j] < 0 ? -1 : 1);
        if (rows < cols) out[j * m + i] = v; // transpose: [n, m] = [rows, cols]
        else out[i * n + j] = v;
      }
    return out;
  };
}

/**
 * An LSTM bias [4*units] (gate order i, f, g, o): zeros, with the forget-gate block
 * (the second quarter) set to 1 (Jozefowicz et al. 2015; Keras unit_forget_bias).
 */
export function unitForgetBias(units: number): Float64Array {
  if (!Number.isInteger(units) || units < 1) throw new ConfigError(`unitForgetBias: units must be an integer >= 1, got ${units}.`);
  const out = new Float64Array(4 * units);
  out.fill(1, units, 2 * units);
  return out;
}

const named = {
  zeros,
  ones,
  glorotUniform,
  glorotNormal,
  orthogonal: orthogonal(),
  uniform: uniform(),
  /** For a bias [4*units]. */
  unitForgetBias: ((shape: Shape) => {
    if (shape.length !== 1 || shape[0] % 4 !== 0 || shape[0] === 0)
      throw new ShapeError('unitForgetBias', shape, '[4*units] (an LSTM bias, gates i, f, g, o)');
    return unitForgetBias(shape[0] / 4);
  }) as Initializer,
} satisfies Record<string, Initializer>;

export type InitializerName = keyof typeof named;

/** An initializer by name (default options), or `init` itself when it is a function. */
export function getInitializer(init: InitializerName | Initializer): Initializer {
  if (typeof init === 'function') return init;
  if (typeof init === 'string' && Object.hasOwn(named, init)) return named[init];
  throw new ConfigError(`unknown initializer ${quote(init)}; use one of ${Object.keys(named).join(', ')} or a function.`);
}
