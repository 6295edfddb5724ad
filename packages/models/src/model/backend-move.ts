/**
 * toBackend's work: every weight, the optimizer's slots and the stateful layers' carried
 * states read from the old engine, then uploaded to the new one and the old tensors freed.
 */
import type { Engine, Optimizer, Param } from '@recurrent/core';
import type { Layer } from '../layers/layer.js';

export async function moveToBackend(next: Engine, params: Param[], layers: readonly Layer[], optimizer: Optimizer | undefined): Promise<void> {
  const values = await Promise.all(params.map((p) => p.value.data()));
  const optState = optimizer && optimizer.iterations > 0 ? await optimizer.getState() : undefined;
  const carriers = layers.flatMap((l) => l.stateCarriers());
  const states = await Promise.all(
    carriers.map(async (l) => (l.stateTensors ? Promise.all(l.stateTensors.map(async (t) => ({ data: await t.data(), shape: [...t.shape] }))) : undefined)),
  );
  const fresh = params.map((p, i) => next.keep(next.tensor(values[i], p.value.shape, `toBackend (${p.name})`)));
  params.forEach((p, i) => {
    p.value.dispose();
    p.value = fresh[i];
  });
  carriers.forEach((l, i) => {
    l.disposeStates();
    const s = states[i];
    if (s) l.stateTensors = s.map((h) => next.keep(next.tensor(h.data, h.shape)));
  });
  if (optimizer && optState) optimizer.setState(optState, params);
}
