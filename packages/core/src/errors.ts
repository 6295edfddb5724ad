/**
 * Every error @recurrent/core throws. Each has a stable `code` (for programs) and a message
 * that names where it happened, what was received, what was wanted, and how to fix it.
 */

export type ErrorCode =
  | 'E_SHAPE'
  | 'E_INPUT'
  | 'E_NON_FINITE'
  | 'E_LABEL_RANGE'
  | 'E_DISPOSED'
  | 'E_BACKEND'
  | 'E_FIXTURE'
  | 'E_CONFIG'
  | 'E_STATE';

export class RecurrentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export const fmtShape = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`;

/** A tensor had the wrong shape for an op or layer. */
export class ShapeError extends RecurrentError {
  readonly where: string;
  readonly got: readonly number[];
  readonly wanted: string;
  constructor(where: string, got: readonly number[], wanted: string, hint = '') {
    super('E_SHAPE', `${where}: got shape ${fmtShape(got)}, wanted ${wanted}.${hint ? ' ' + hint : ''}`);
    this.where = where;
    this.got = got;
    this.wanted = wanted;
  }
}

/** Input data was unusable: NaN/Infinity, ragged arrays, wrong types. */
export class InputError extends RecurrentError {
  constructor(message: string) {
    super('E_INPUT', message);
  }
}

/** A computed value (loss, gradient) went NaN or Infinity. */
export class NonFiniteError extends RecurrentError {
  constructor(message: string) {
    super('E_NON_FINITE', message);
  }
}

/** A class label was not an integer in [0, classes). */
export class LabelRangeError extends RecurrentError {
  constructor(where: string, index: number, value: number, classes: number) {
    super(
      'E_LABEL_RANGE',
      `${where}: label ${value} at position ${index} is not an integer in [0, ${classes}). ` +
        `Sparse labels must be class indices; use one-hot targets with categoricalCrossentropy otherwise.`,
    );
  }
}

/** A tensor was used after dispose(). */
export class DisposedError extends RecurrentError {
  constructor(where: string, shape: readonly number[]) {
    super(
      'E_DISPOSED',
      `${where}: tensor of shape ${fmtShape(shape)} was already disposed. Keep it out of the scope that disposed it ` +
        `(return it from the scope or call keep()).`,
    );
  }
}

/** Two tensors from different backends were mixed, or a backend failed. */
export class BackendError extends RecurrentError {
  constructor(message: string) {
    super('E_BACKEND', message);
  }
}

/** A reference-fixture file did not match the `recurrent-reference/1` format. */
export class FixtureError extends RecurrentError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('E_FIXTURE', `fixture ${path}: ${message}`);
    this.path = path;
  }
}

/** An option had an invalid value. */
export class ConfigError extends RecurrentError {
  constructor(message: string) {
    super('E_CONFIG', message);
  }
}

/** Serialised state (optimizer, model) did not match what it is loaded into. */
export class StateError extends RecurrentError {
  constructor(message: string) {
    super('E_STATE', message);
  }
}

/**
 * A value for an error message, cut to about `max` characters: strings JSON-quoted, arrays and
 * objects previewed a few levels deep. Use it wherever a message shows text from a file, a user
 * or the network, so a 200-million-character string or a 100,000-level array cannot become the
 * message (or overflow the stack while it is written).
 */
export function quote(value: unknown, max = 80): string {
  let out = '';
  const put = (s: string): boolean => {
    out += s.length > max ? s.slice(0, max + 1) : s;
    return out.length <= max;
  };
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return put(JSON.stringify(v.length > max ? v.slice(0, max + 1) : v));
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return put(String(v));
    if (typeof v === 'bigint') return put(`${v}n`);
    if (typeof v !== 'object') return put(`a ${typeof v}`);
    if (depth >= 3) return put(Array.isArray(v) ? '[...]' : '{...}');
    if (Array.isArray(v)) {
      if (!put('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(', ')) || !walk(v[i], depth + 1)) return false;
      return put(']');
    }
    if (!put('{')) return false;
    let first = true;
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      if ((!first && !put(', ')) || !put(`${JSON.stringify(k.slice(0, max + 1))}: `)) return false;
      first = false;
      if (!walk((v as Record<string, unknown>)[k], depth + 1)) return false;
    }
    return put('}');
  };
  walk(value, 0);
  return out.length > max ? `${out.slice(0, max)}... (cut)` : out;
}
