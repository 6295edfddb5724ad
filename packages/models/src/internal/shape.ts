/** Shapes without the batch axis, where `null` is a size known only at run time (e.g. steps). */
export type SymShape = readonly (number | null)[];

export const fmt = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

/** `[batch, ...s]` for messages. */
export const fmtBatched = (s: SymShape): string => `[batch${s.map((d) => `, ${d === null ? 'any' : d}`).join('')}]`;

export const sizeOf = (shape: readonly number[]): number => {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
};

/** Whether a concrete shape (without batch) fits a symbolic one. */
export const fits = (got: readonly number[], want: SymShape): boolean =>
  got.length === want.length && want.every((d, i) => d === null || d === got[i]);
