/** Activation gradients from the activation's output y: (y, dy) -> out, all the same length. */
import type { F32 } from './types.js';

export type ActGradLoop = (y: F32, dy: F32, out: F32) => void;

/** dy * (1 - y^2) */
export function tanhGrad(y: F32, dy: F32, out: F32): void {
  for (let i = 0, n = y.length; i < n; i++) {
    const v = y[i];
    out[i] = dy[i] * (1 - v * v);
  }
}
/** dy * y * (1 - y) */
export function sigmoidGrad(y: F32, dy: F32, out: F32): void {
  for (let i = 0, n = y.length; i < n; i++) {
    const v = y[i];
    out[i] = dy[i] * v * (1 - v);
  }
}
/** dy where y > 0, else 0 */
export function reluGrad(y: F32, dy: F32, out: F32): void {
  for (let i = 0, n = y.length; i < n; i++) out[i] = y[i] > 0 ? dy[i] : 0;
}
