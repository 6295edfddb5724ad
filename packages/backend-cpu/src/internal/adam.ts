/** Adam / AdamW (PyTorch form) in one pass; the definition is core's adamUpdate fallback. */
import type { F32 } from './types.js';

export interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
  decoupledDecay: number;
}

export function adamUpdate(p: F32, g: F32, m: F32, v: F32, pOut: F32, mOut: F32, vOut: F32, attrs: AdamAttrs): void {
  const { lr, beta1, beta2, eps, step, decoupledDecay } = attrs;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const stepSize = lr / (1 - beta1 ** step);
  const invBc2 = 1 / (1 - beta2 ** step);
  const keep = 1 - lr * decoupledDecay;
  for (let i = 0, n = p.length; i < n; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + c1 * gi;
    const vi = beta2 * v[i] + c2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] * keep - (stepSize * mi) / (Math.sqrt(vi * invBc2) + eps);
  }
}
