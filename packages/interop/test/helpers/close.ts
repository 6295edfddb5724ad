import { expect } from 'vitest';

/** Float32 forward tolerance: |got - want| <= atol + rtol * |want| for every element. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, atol = 1e-5, rtol = 1e-4): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(d <= excess)) {
      excess = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      worst = i;
    }
  }
  expect(worst, worst >= 0 ? `${what}: element ${worst} is ${got[worst]}, the engine gives ${want[worst]}` : what).toBe(-1);
}
