/**
 * A FIFO async lock: `run(f)` starts `f` once every earlier `run` has settled. The model holds it
 * for each training step and for each whole predict / evaluate / save / getWeights call, so a
 * read sees the weights (and optimizer state) of one step, never a mix.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #held = false;

  /** Whether some `run` is executing now. */
  get busy(): boolean {
    return this.#held;
  }

  async run<T>(f: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#held = true;
    try {
      return await f();
    } finally {
      this.#held = false;
      release();
    }
  }
}
