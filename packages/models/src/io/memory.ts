/** An in-memory handler: keeps the artifacts (copies) of the last save; load returns them. */
import { ModelFormatError } from '../errors.js';
import { deeperThan } from '../internal/untrusted.js';
import { MAX_JSON_DEPTH } from './format.js';
import type { IOHandler, ModelArtifacts } from './handler.js';

export interface MemoryHandler extends IOHandler {
  artifacts?: ModelArtifacts;
}

const copy = (a: ModelArtifacts): ModelArtifacts => {
  // The artifacts may come from files (io.memory(parsed)): bound the nesting before copying it.
  if (deeperThan(a.modelJson, MAX_JSON_DEPTH))
    throw new ModelFormatError('memory', `model.json nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; it is damaged or not a model.`);
  return copyShallow(a);
};

const copyShallow = (a: ModelArtifacts): ModelArtifacts => ({
  modelJson: JSON.parse(JSON.stringify(a.modelJson)),
  weights: a.weights.slice(),
  optimizer: a.optimizer?.slice(),
});

export function memory(initial?: ModelArtifacts): MemoryHandler {
  const h: MemoryHandler = {
    description: 'memory',
    artifacts: initial ? copy(initial) : undefined,
    async save(a) {
      h.artifacts = copy(a);
    },
    async load() {
      if (!h.artifacts) throw new ModelFormatError('memory', 'nothing was saved to this memory handler yet.');
      return copy(h.artifacts);
    },
  };
  return h;
}
