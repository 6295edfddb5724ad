/** Dense-layer activations and their backward passes, written with core's ops. */
import type { Engine, Tensor } from '@recurrent/core';

export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function activate(e: Engine, name: ActivationName, z: Tensor): Tensor {
  switch (name) {
    case 'linear':
      return z;
    case 'relu':
      return e.relu(z);
    case 'sigmoid':
      return e.sigmoid(z);
    case 'tanh':
      return e.tanh(z);
    case 'softmax':
      return e.softmax(z);
  }
}

/** d(loss)/dz from d(loss)/dy, y = activate(z); y and dy are 2-D [N, K]. */
export function activationGrad(e: Engine, name: ActivationName, y: Tensor, dy: Tensor): Tensor {
  switch (name) {
    case 'linear':
      return dy;
    case 'relu':
      return e.reluGrad(y, dy);
    case 'sigmoid':
      return e.sigmoidGrad(y, dy);
    case 'tanh':
      return e.tanhGrad(y, dy);
    case 'softmax':
      // dz = y * (dy - sum_k dy_k y_k), the sum a [N, 1] column.
      return e.mul(y, e.sub(dy, e.sumLast(e.mul(dy, y))));
  }
}
