/** Axis options as Keras takes them: counting the batch axis as 0, negative from the end. */
import { ConfigError, quote } from '@recurrent/core';

/** `axis` of a tensor of `rank` (with the batch axis) as an index in 1..rank-1; the batch axis is refused. */
export function featureAxis(where: string, key: string, axis: number, rank: number): number {
  const a = axis < 0 ? rank + axis : axis;
  if (!Number.isInteger(axis) || a < 1 || a >= rank)
    throw new ConfigError(`${where}: ${key} ${quote(axis)} is not an axis of a rank-${rank} input other than the batch axis 0; use 1..${rank - 1} or -1..-${rank - 1}.`);
  return a;
}

/** An integer option (an axis), checked when given. */
export function intOption(where: string, key: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v)) throw new ConfigError(`${where}: ${key} must be an integer, got ${quote(v)}.`);
  return v as number;
}
