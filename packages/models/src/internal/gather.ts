/**
 * Row permutations on the device with core's `gatherRows`: x [B, T, D] is viewed as B*T rows,
 * so one op reorders the steps of every sample at once.
 */
import type { Engine, Tensor } from '@recurrent/core';

/** out[r] = x[idx[r]] for a [B, T, D] (or [N, D]) tensor, viewed as rows of its last axis. */
export function gatherSteps(e: Engine, x: Tensor, idx: Tensor): Tensor {
  const D = x.shape[x.shape.length - 1];
  return e.scope(() => e.run('gatherRows', [x.reshape([x.size / D, D]), idx], {}).reshape(x.shape));
}

/** The inverse permutation. */
export function invert(perm: ArrayLike<number>): Float32Array {
  const inv = new Float32Array(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}
