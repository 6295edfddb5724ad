/**
 * Embedding: integer indices [B, ...] -> rows of a table [inputDim, outputDim], with core's
 * gatherRows (forward) and scatterAddRows (backward). With maskZero, index 0 is padding: it
 * produces a step mask for the layers after it (so inputDim must count index 0).
 * Keras defaults: uniform(-0.05, 0.05) table, maskZero false.
 */
import { ConfigError, type Initializer, InputError, type InitializerName, ShapeError } from '@recurrent/core';
import type { SeqMask } from '../internal/mask.js';
import { bool, initializer, noUnknown, posInt, shapeOption } from '../internal/options.js';
import type { SymShape } from '../internal/shape.js';
import { type Activation, type CallContext, Layer, type LayerBaseOptions, type LayerCall, type WeightSpec } from './layer.js';

export interface EmbeddingOptions extends LayerBaseOptions {
  /** Vocabulary size: indices are integers in [0, inputDim). */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Treat index 0 as padding and mask those steps. Default false. */
  maskZero?: boolean;
  embeddingsInitializer?: InitializerName | Initializer;
}

export class Embedding extends Layer {
  readonly className = 'Embedding' as const;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly #init: ReturnType<typeof initializer>;

  constructor(options: EmbeddingOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigError('embedding: options must be an object such as { inputDim: 30, outputDim: 8 }.');
    super(options, 'embedding');
    const w = options.name ?? 'embedding';
    noUnknown(w, options, ['name', 'inputShape', 'batchInputShape', 'inputDim', 'outputDim', 'maskZero', 'embeddingsInitializer']);
    shapeOption(w, 'inputShape', options.inputShape);
    this.inputDim = posInt(w, 'inputDim', options.inputDim);
    this.outputDim = posInt(w, 'outputDim', options.outputDim);
    this.maskZero = bool(w, 'maskZero', options.maskZero, false);
    this.#init = initializer(w, 'embeddingsInitializer', options.embeddingsInitializer, 'uniform');
  }

  override get readsIndices(): boolean {
    return true;
  }

  computeOutputShape(input: SymShape): SymShape {
    return [...input, this.outputDim];
  }

  weightSpecs(): WeightSpec[] {
    const shape = [this.inputDim, this.outputDim];
    return [{ name: 'embeddings', shape, init: (rng) => this.#init.fn(shape, rng) }];
  }

  call(ctx: CallContext, x: Activation): LayerCall {
    const { e } = ctx;
    const s = x.t.shape;
    const want = this.builtInput!;
    if (s.length !== want.length + 1 || want.some((d, i) => d !== null && d !== s[i + 1]))
      throw new ShapeError(`${this.name} (input)`, s, `[batch, ${want.map((d) => d ?? 'steps').join(', ')}] of integer indices`);
    const values = x.host?.data ?? x.t.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.inputDim) {
        const per = x.t.size / s[0];
        throw new InputError(
          `${this.name}: index ${v} at sample ${Math.floor(i / per)}${s.length > 1 ? `, position ${i % per}` : ''} ` +
            `is not an integer in [0, ${this.inputDim}) (inputDim). Encode tokens as indices below inputDim` +
            (this.maskZero ? ' (0 is padding with maskZero).' : '.'),
        );
      }
    }
    const N = x.t.size;
    const idx = x.t.reshape([N]);
    const table = this.params[0].value;
    const y = e.run('gatherRows', [table, idx], {}).reshape([...s, this.outputDim]);
    let mask: SeqMask | undefined = x.mask;
    if (this.maskZero && s.length === 2) {
      const valid = new Uint8Array(N);
      for (let i = 0; i < N; i++) valid[i] = values[i] !== 0 && (!x.mask || x.mask.valid[i]) ? 1 : 0;
      mask = { B: s[0], T: s[1], valid };
    }
    return {
      out: { t: y, mask },
      backward: (dy) => ({
        grads: [e.run('scatterAddRows', [dy.reshape([N, this.outputDim]), idx], { rows: this.inputDim })],
      }),
    };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.baseConfig(), inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero };
    if (this.#init.name) c.embeddingsInitializer = this.#init.name;
    return c;
  }
}
