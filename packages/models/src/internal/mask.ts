/** A step mask on the host: valid[b*T + t] is 1 for a real step of sample b, 0 for padding. */
export interface SeqMask {
  B: number;
  T: number;
  valid: Uint8Array;
}

export const allValid = (m: SeqMask): boolean => m.valid.every((v) => v === 1);

/** Flat row indices (b*T + t) of the valid steps. */
export function validRows(m: SeqMask): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.valid.length; i++) if (m.valid[i]) out.push(i);
  return out;
}

/** The steps valid in every mask (merge layers: Keras ANDs their inputs' masks); undefined when none is given. */
export function andMasks(masks: readonly (SeqMask | undefined)[]): SeqMask | undefined {
  const given = masks.filter((m): m is SeqMask => m !== undefined);
  if (given.length === 0) return undefined;
  const { B, T } = given[0];
  const valid = new Uint8Array(B * T).fill(1);
  for (const m of given) for (let i = 0; i < valid.length; i++) valid[i] &= m.valid[i];
  return { B, T, valid };
}
