/** Optimizers by name (compile('adam')) and rebuilt from a saved config. */
import { adagrad, adam, adamw, ConfigError, type Optimizer, quote, rmsprop, sgd } from '@recurrent/core';
import { ownCopy } from '../internal/untrusted.js';

type Factory = (config: Record<string, unknown>) => Optimizer;

const FACTORIES: Record<string, Factory> = {
  sgd: (c) => sgd(c as never),
  adam: (c) => adam(c as never),
  adamw: (c) => adamw(c as never),
  adagrad: (c) => adagrad(c as never),
  rmsprop: (c) => rmsprop(c as never),
};

/** Keras's default learning rates for optimizers named by a string. */
const DEFAULT_LR: Record<string, number> = { sgd: 0.01, adam: 0.001, adamw: 0.001, adagrad: 0.001, rmsprop: 0.001 };

export function optimizerByName(name: string): Optimizer {
  if (!Object.hasOwn(FACTORIES, name))
    throw new ConfigError(`compile: unknown optimizer '${name}'; use ${Object.keys(FACTORIES).join(', ')} or optimizers.adam({ ... }).`);
  return FACTORIES[name]({ learningRate: DEFAULT_LR[name] });
}

/** The optimizer a saved config describes, or undefined when its learning rate was a schedule. */
export function optimizerFromConfig(name: string, config: Record<string, unknown>): Optimizer | undefined {
  if (!Object.hasOwn(FACTORIES, name)) throw new ConfigError(`unknown optimizer ${quote(name)} (known: ${Object.keys(FACTORIES).join(', ')}).`);
  // The config comes from a file: own properties only, into a prototype-free object, so a key
  // such as '__proto__' cannot supply clipNorm or any other option through a prototype.
  const given = ownCopy(config);
  if (typeof given.learningRate !== 'number') return undefined;
  const options = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (v !== undefined && v !== null) options[k] = v;
  return FACTORIES[name](options);
}
