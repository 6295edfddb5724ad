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
