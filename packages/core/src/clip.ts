/**
 * Gradient clipping on the device (no read-back), as PyTorch's `clip_grad_norm_` /
 * `clip_grad_value_` compute it.
 */
import type { Engine, Tensor } from './engine.js';
import { ConfigError } from './errors.js';

function positiveLimit(where: string, key: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    throw new ConfigError(`${where}: ${key} must be a finite number > 0, got ${v}.`);
}

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)), where norm is the L2 norm of all
 * gradients taken together (PyTorch's clip_grad_norm_ form). Returns new tensors the caller
 * owns, and the norm before clipping as a [] tensor.
 */
export function clipByGlobalNorm(e: Engine, grads: Tensor[], maxNorm: number): { clipped: Tensor[]; norm: Tensor } {
  positiveLimit('clipByGlobalNorm', 'maxNorm', maxNorm);
  return e.scope(() => {
    if (grads.length === 0) return { clipped: [], norm: e.zeros([]) };
    let sq = e.sumAll(e.square(grads[0]));
    for (let i = 1; i < grads.length; i++) sq = e.add(sq, e.sumAll(e.square(grads[i])));
    const norm = e.sqrt(sq);
    const coef = e.clip(e.div(e.fill([], maxNorm), e.affine(norm, 1, 1e-6)), 0, 1);
    return { clipped: grads.map((g) => e.mul(g, coef)), norm };
  });
}

/** Clamps every gradient element to [-limit, limit]. Returns new tensors the caller owns. */
export function clipByValue(e: Engine, grads: Tensor[], limit: number): Tensor[] {
  positiveLimit('clipByValue', 'limit', limit);
  return grads.map((g) => e.clip(g, -limit, limit));
}
