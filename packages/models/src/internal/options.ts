/** Option checks shared by the layers: each throws a ConfigError naming the layer and option. */
import { ConfigError, getInitializer, type Initializer, type InitializerName, quote } from '@recurrent/core';

export function posInt(where: string, key: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(`${where}: ${key} must be a positive integer, got ${quote(v)}.`);
  return v as number;
}

export function rate(where: string, key: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ConfigError(`${where}: ${key} must be a number in [0, 1), got ${quote(v)}.`);
  return v;
}

export function bool(where: string, key: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}: ${key} must be true or false, got ${quote(v)}.`);
  return v;
}

export function oneOf<T extends string>(where: string, key: string, v: unknown, allowed: readonly T[], dflt: T, hint = ''): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new ConfigError(`${where}: ${key} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${quote(v)}.${hint ? ' ' + hint : ''}`);
  return v as T;
}

/** An initializer option: a core initializer name or a function. Names are kept for saving. */
export function initializer(where: string, key: string, v: unknown, dflt: InitializerName): { fn: Initializer; name: string | null } {
  if (v === undefined) return { fn: getInitializer(dflt), name: dflt };
  if (typeof v === 'function') return { fn: v as Initializer, name: null };
  try {
    return { fn: getInitializer(v as InitializerName), name: v as string };
  } catch (err) {
    throw new ConfigError(`${where}: ${key}: ${(err as Error).message}`);
  }
}

/** Checks an input shape option: an array of positive integers or null. */
export function shapeOption(where: string, key: string, v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every((d) => d === null || (Number.isInteger(d) && d >= 1)))
    throw new ConfigError(`${where}: ${key} must be an array of positive integers or null (a size known at run time), got ${quote(v)}.`);
}

/** Unknown option names are mistakes (a misspelt `returnSequence` would silently do nothing). */
export function noUnknown(where: string, opts: object, known: readonly string[]): void {
  for (const k of Object.keys(opts))
    if (!known.includes(k)) throw new ConfigError(`${where}: unknown option ${quote(k)}; known options: ${known.join(', ')}.`);
}
