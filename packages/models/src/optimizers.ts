/** Core's optimizers (PyTorch update rules, checked against its fixtures), re-exported. */
export {
  adagrad,
  adam,
  adamw,
  rmsprop,
  sgd,
  type AdagradOptions,
  type AdamOptions,
  type Optimizer,
  type RmspropOptions,
  type SgdOptions,
} from '@recurrent/core';
