/**
 * A compiled model's training settings in PyTorch terms (train.py's CONFIG): the loss, the
 * torch.optim class with its keyword arguments, clipping, and the learning rate of every step
 * when the learning rate is a schedule.
 */
import { PROBABILITY_EPSILON } from '@recurrent/core';
import type { Sequential } from '@recurrent/models';
import { UnsupportedExportError } from '../plan/errors.js';
import type { ModelPlan } from '../plan/plan.js';
import type { TrainConfig } from './train-py.js';

type Cfg = Record<string, number | boolean | string | undefined>;

/** Our optimizer name + config -> torch.optim class and kwargs (both use PyTorch's update rules). */
const TORCH_OPTIMIZERS: Record<string, (c: Cfg, lr: number) => { class: string; kwargs: Record<string, unknown> }> = {
  sgd: (c, lr) => ({ class: 'SGD', kwargs: { lr, momentum: c.momentum, nesterov: c.nesterov, weight_decay: c.weightDecay } }),
  adam: (c, lr) => ({ class: 'Adam', kwargs: { lr, betas: [c.beta1, c.beta2], eps: c.epsilon, weight_decay: c.weightDecay } }),
  adamw: (c, lr) => ({ class: 'AdamW', kwargs: { lr, betas: [c.beta1, c.beta2], eps: c.epsilon, weight_decay: c.weightDecay } }),
  adagrad: (c, lr) => ({
    class: 'Adagrad',
    kwargs: { lr, initial_accumulator_value: c.initialAccumulatorValue, eps: c.epsilon, weight_decay: c.weightDecay },
  }),
  rmsprop: (c, lr) => ({
    class: 'RMSprop',
    kwargs: { lr, alpha: c.rho, eps: c.epsilon, momentum: c.momentum, centered: c.centered, weight_decay: c.weightDecay },
  }),
};

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** Samples in the training data (for the per-step learning-rate table). */
  samples: number;
}

export async function trainConfig(model: Sequential, plan: ModelPlan, s: TrainSettings): Promise<TrainConfig> {
  const compiled = model.compiledConfig;
  const opt = model.optimizer;
  if (!compiled || !opt) throw new UnsupportedExportError('pytorch', undefined, 'train.py needs the compiled loss and optimizer: call model.compile({ loss, optimizer }) first.');
  const rd = plan.layers.find((l) => l.type === 'recurrent' && l.recurrentDropout > 0);
  if (rd)
    throw new UnsupportedExportError('pytorch', rd.name, "recurrentDropout has no torch.nn equivalent in train.py; set it to 0 (model.py for inference needs no change).");
  const state = await opt.getState();
  const make = TORCH_OPTIMIZERS[state.name];
  if (!make) throw new UnsupportedExportError('pytorch', undefined, `optimizer '${state.name}' has no torch.optim mapping.`);
  const c = state.config as Cfg;
  const total = s.epochs * Math.ceil(s.samples / s.batchSize);
  const start = opt.iterations;
  const learningRates = typeof c.learningRate === 'number' ? null : Array.from({ length: Math.max(total, 1) }, (_, k) => opt.learningRateAt(start + k));
  const last = plan.layers[plan.layers.length - 1];
  const { name, fromLogits } = compiled.loss;
  const onLogits =
    !fromLogits &&
    last?.type === 'dense' &&
    ((name === 'binaryCrossentropy' && last.activation === 'sigmoid') ||
      ((name === 'categoricalCrossentropy' || name === 'sparseCategoricalCrossentropy') && last.activation === 'softmax'));
  return {
    model: plan.name,
    loss: { name, fromLogits, onLogits },
    optimizer: make(c, learningRates ? learningRates[0] : (c.learningRate as number)),
    clipNorm: typeof c.clipNorm === 'number' ? c.clipNorm : null,
    clipValue: typeof c.clipValue === 'number' ? c.clipValue : null,
    learningRates,
    epochs: s.epochs,
    batchSize: s.batchSize,
    shuffle: s.shuffle,
    seed: model.seed,
    probabilityEpsilon: PROBABILITY_EPSILON,
  };
}
