/**
 * Binary ops and `where` over the four broadcast forms of core's shape rules.
 *
 * Every form is a walk over `rows` rows of length `n` of `a`:
 *   same   -> 1 row of the whole size, b read along the row;
 *   row    -> size/N rows of N, b (a bias [N]) read along each row;
 *   col    -> M rows of N, one value b[r] per row;
 *   scalar -> 1 row of the whole size, one value b[0].
 * So each op needs two loops (b along the row, or one b per row), written out per op so the
 * loops stay monomorphic.
 */
import { broadcastKind, type Shape } from '@recurrent/core';
import type { F32 } from './types.js';

export interface BroadcastPlan {
  rows: number;
  n: number;
  /** true: b holds one value per row (col, scalar); false: b runs along each row (same, row). */
  perRow: boolean;
}

export function planBroadcast(where: string, a: Shape, b: Shape, size: number): BroadcastPlan {
  switch (broadcastKind(where, a, b)) {
    case 'same':
      return { rows: 1, n: size, perRow: false };
    case 'scalar':
      return { rows: 1, n: size, perRow: true };
    case 'row': {
      const n = a[a.length - 1];
      return { rows: n === 0 ? 0 : size / n, n, perRow: false };
    }
    case 'col':
      return { rows: a[0], n: a[1], perRow: true };
  }
}

export type BinaryLoop = (a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean) => void;

export function add(a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const s = b[r];
      for (let j = 0; j < n; j++, i++) out[i] = a[i] + s;
    } else for (let j = 0; j < n; j++, i++) out[i] = a[i] + b[j];
  }
}
export function sub(a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const s = b[r];
      for (let j = 0; j < n; j++, i++) out[i] = a[i] - s;
    } else for (let j = 0; j < n; j++, i++) out[i] = a[i] - b[j];
  }
}
export function mul(a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const s = b[r];
      for (let j = 0; j < n; j++, i++) out[i] = a[i] * s;
    } else for (let j = 0; j < n; j++, i++) out[i] = a[i] * b[j];
  }
}
export function div(a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const s = b[r];
      for (let j = 0; j < n; j++, i++) out[i] = a[i] / s;
    } else for (let j = 0; j < n; j++, i++) out[i] = a[i] / b[j];
  }
}
export function maximum(a: F32, b: F32, out: F32, rows: number, n: number, perRow: boolean): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const s = b[r];
      for (let j = 0; j < n; j++, i++) {
        const v = a[i];
        out[i] = v > s ? v : s;
      }
    } else
      for (let j = 0; j < n; j++, i++) {
        const v = a[i];
        const w = b[j];
        out[i] = v > w ? v : w;
      }
  }
}

/** out = cond > 0.5 ? a : b, with cond broadcast by `plan` (a and b have the same shape). */
export function where(cond: F32, a: F32, b: F32, out: F32, { rows, n, perRow }: BroadcastPlan): void {
  for (let r = 0, i = 0; r < rows; r++) {
    if (perRow) {
      const src = cond[r] > 0.5 ? a : b;
      for (let j = 0; j < n; j++, i++) out[i] = src[i];
    } else for (let j = 0; j < n; j++, i++) out[i] = cond[j] > 0.5 ? a[i] : b[i];
  }
}
