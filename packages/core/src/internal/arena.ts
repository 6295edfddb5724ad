/**
 * An arena: the tensors a loop keeps beyond one step (a recurrent tape, or the state carried
 * through an inference run), freed together. Each step runs in `engine.scope`, which frees what
 * the step made and did not return; what it returns goes into the arena. Tensors the caller
 * owns (its inputs) are never taken. `release` hands a tensor to the caller; `free` lets one go
 * early (O(1) memory in inference).
 */
import { Tensor } from '../engine.js';

/** Every Tensor in a value of tensors, arrays and plain records of them. */
function tensorsIn(v: unknown, out: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) for (const x of v) tensorsIn(x, out);
  else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) tensorsIn(x, out);
  return out;
}

export class Arena {
  readonly #owned = new Set<Tensor>();
  readonly #foreign: ReadonlySet<Tensor | undefined>;

  /** `foreign`: tensors the caller owns, never taken even if a step hands them back. */
  constructor(foreign: Iterable<Tensor | undefined> = []) {
    this.#foreign = new Set(foreign);
  }

  /** Takes every tensor in `v` (tensors, arrays, plain records); returns `v`. */
  own<V>(v: V): V {
    for (const t of tensorsIn(v)) if (!this.#foreign.has(t)) this.#owned.add(t);
    return v;
  }

  /** Frees these now, if the arena holds them. */
  free(...ts: (Tensor | undefined)[]): void {
    for (const t of ts) if (t && this.#owned.delete(t)) t.dispose();
  }

  /** Hands these to the caller: the arena will not free them. */
  release(...ts: (Tensor | undefined)[]): void {
    for (const t of ts) if (t) this.#owned.delete(t);
  }

  dispose(): void {
    for (const t of this.#owned) t.dispose();
    this.#owned.clear();
  }
}
