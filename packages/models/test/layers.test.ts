/**
 * Forward semantics of every layer and option, against values computed here on the host with
 * plain loops (a scalar reference RNN), or against Keras's documented numbers (parameter
 * counts, defaults).
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError, createEngine, InputError, Rng, ShapeError } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { type HostTensor, type Layer, layers, sequential } from '../src/index.js';
import { expectClose, hostTensor, randomValues } from './helpers.js';

const ref = () => createReferenceBackend();

/** A plain-loop Elman RNN: h_t = act(x_t Wx + h_{t-1} Wh + b) for one sample; returns every h. */
function hostRnn(xs: number[][], Wx: number[][], Wh: number[][], b: number[], h0: number[], act: (v: number) => number = Math.tanh): number[][] {
  const H = b.length;
  let h = h0;
  const out: number[][] = [];
  for (const x of xs) {
    const next: number[] = [];
    for (let j = 0; j < H; j++) {
      let s = b[j];
      for (let d = 0; d < x.length; d++) s += x[d] * Wx[d][j];
      for (let k = 0; k < H; k++) s += h[k] * Wh[k][j];
      next.push(act(s));
    }
    out.push(next);
    h = next;
  }
  return out;
}

const D = 2;
const H = 2;
const Wx = [
  [0.5, -0.3],
  [0.2, 0.8],
];
const Wh = [
  [0.1, 0.4],
  [-0.6, 0.3],
];
const bias = [0.05, -0.1];
const rnnWeights = () => [hostTensor(Wx.flat(), [D, H]), hostTensor(Wh.flat(), [H, H]), hostTensor(bias, [H])];
/** Two samples of four steps. */
const X = [
  [
    [1, 0.5],
    [-0.2, 0.3],
    [0.7, -1],
    [0.4, 0.4],
  ],
  [
    [-0.5, 0.1],
    [0.9, 0.2],
    [-0.3, -0.8],
    [0.6, 0.5],
  ],
];

async function rnnModel(opts: Record<string, unknown>, x: HostTensor | number[][][] = X) {
  const model = sequential({ backend: ref(), seed: 1 }, [layers.simpleRNN({ units: H, inputShape: [null, D], ...opts })]);
  model.setWeights(rnnWeights());
  return { model, p: await model.predict(x) };
}

describe('simpleRNN / lstm / gru options', () => {
  it('returnSequences false gives the last output; true gives every step (tanh)', async () => {
    const want = X.map((s) => hostRnn(s, Wx, Wh, bias, [0, 0]));
    const last = await rnnModel({});
    expect(last.p.shape).toEqual([2, H]);
    expectClose(last.p.data, want.flatMap((s) => s[3]), 1e-12, 0);
    const all = await rnnModel({ returnSequences: true });
    expect(all.p.shape).toEqual([2, 4, H]);
    expectClose(all.p.data, want.flat(2), 1e-12, 0);
  });

  it("activation 'relu'", async () => {
    const relu = (v: number) => Math.max(0, v);
    const { p } = await rnnModel({ activation: 'relu', returnSequences: true });
    expectClose(p.data, X.flatMap((s) => hostRnn(s, Wx, Wh, bias, [0, 0], relu)).flat(), 1e-12, 0);
  });

  it('useBias false has no bias and computes without it', async () => {
    const model = sequential({ backend: ref(), seed: 1 }, [layers.simpleRNN({ units: H, inputShape: [null, D], useBias: false })]);
    expect((await model.getWeights()).map((w) => w.name)).toEqual(['simple_rnn/kernel', 'simple_rnn/recurrent_kernel']);
    model.setWeights(rnnWeights().slice(0, 2));
    const p = await model.predict(X);
    expectClose(p.data, X.flatMap((s) => hostRnn(s, Wx, Wh, [0, 0], [0, 0])[3]), 1e-12, 0);
  });

  it('goBackwards processes last to first and returns the sequence in processing order', async () => {
    const { p } = await rnnModel({ goBackwards: true, returnSequences: true });
    expectClose(p.data, X.flatMap((s) => hostRnn([...s].reverse(), Wx, Wh, bias, [0, 0])).flat(), 1e-12, 0);
    const last = await rnnModel({ goBackwards: true });
    expectClose(last.p.data, X.flatMap((s) => hostRnn([...s].reverse(), Wx, Wh, bias, [0, 0])[3]), 1e-12, 0);
  });

  it('returnState returns the final state beside the output', async () => {
    const { p } = await rnnModel({ returnState: true });
    expect(p.states?.length).toBe(1);
    expectClose(p.states![0].data, X.flatMap((s) => hostRnn(s, Wx, Wh, bias, [0, 0])[3]), 1e-12, 0);
  });

  it('initial state (predict initialState) starts the recurrence from the given h', async () => {
    const h0 = [
      [0.3, -0.7],
      [1, 0.2],
    ];
    const model = sequential({ backend: ref(), seed: 1 }, [layers.simpleRNN({ units: H, inputShape: [null, D], returnSequences: true })]);
    model.setWeights(rnnWeights());
    const p = await model.predict(X, { initialState: { simple_rnn: [h0] } });
    expectClose(p.data, X.flatMap((s, b) => hostRnn(s, Wx, Wh, bias, h0[b])).flat(), 1e-12, 0);
  });

  it('a step mask skips padded steps: post-padding, pre-padding and holes, forwards and backwards; padded outputs are zero', async () => {
    // Sample 0: steps 0,1 real (post-padded). Sample 1: steps 1, 3 real (pre-padded with a hole).
    const mask = [1, 1, 0, 0, 0, 1, 0, 1];
    const x: HostTensor = { data: Float64Array.from(X.flat(2)), shape: [2, 4, D], mask: Uint8Array.from(mask) };
    const real = X.map((s, b) => s.filter((_, t) => mask[b * 4 + t]));
    for (const goBackwards of [false, true]) {
      const seqs = real.map((s) => (goBackwards ? [...s].reverse() : s));
      const outs = seqs.map((s) => hostRnn(s, Wx, Wh, bias, [0, 0]));
      const last = await rnnModel({ goBackwards }, x);
      expectClose(last.p.data, outs.flatMap((o) => o[o.length - 1]), 1e-12, 0, `last output, goBackwards ${goBackwards}`);
      const all = await rnnModel({ goBackwards, returnSequences: true }, x);
      // Expected: the output of each real step at its position (reversed positions when goBackwards), zeros elsewhere.
      const want: number[] = [];
      for (let b = 0; b < 2; b++) {
        let k = 0;
        for (let q = 0; q < 4; q++) {
          const t = goBackwards ? 3 - q : q;
          if (mask[b * 4 + t]) want.push(...outs[b][k++]);
          else want.push(0, 0);
        }
      }
      expectClose(all.p.data, want, 1e-12, 0, `sequence, goBackwards ${goBackwards}`);
    }
  });

  it('lstm and gru: a padded sequence with its mask equals the unpadded sequence', async () => {
    const x = randomValues(3, 2 * 5 * D);
    for (const make of [(o: object) => layers.lstm({ units: 3, ...o }), (o: object) => layers.gru({ units: 3, ...o }), (o: object) => layers.gru({ units: 3, resetAfter: false, ...o })]) {
      const model = sequential({ backend: ref(), seed: 4 }, [make({ inputShape: [null, D] })]);
      // Pre-pad sample 0 by two steps (its real steps are 2..4); sample 1 is complete.
      const padded: HostTensor = { data: Float64Array.from(x), shape: [2, 5, D], mask: Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1, 1, 1]) };
      const p = await model.predict(padded);
      const short = await model.predict({ data: Float64Array.from(x.slice(2 * D, 5 * D)), shape: [1, 3, D] });
      const full = await model.predict({ data: Float64Array.from(x.slice(5 * D)), shape: [1, 5, D] });
      expectClose(p.data, [...short.data, ...full.data], 1e-12, 0);
    }
  });

  it('stateful carries the final state into the next batch until resetStates; the caller keeps its outputs (tfjs#1503)', async () => {
    const model = sequential({ backend: ref(), seed: 1 }, [layers.simpleRNN({ units: H, inputShape: [null, D], stateful: true })]);
    model.setWeights(rnnWeights());
    const firstHalf = X.map((s) => s.slice(0, 2));
    const secondHalf = X.map((s) => s.slice(2));
    const a = await model.predict(firstHalf);
    const aCopy = Array.from(a.data);
    const b = await model.predict(secondHalf);
    expectClose(b.data, X.flatMap((s) => hostRnn(s, Wx, Wh, bias, [0, 0])[3]), 1e-12, 0, 'carried state');
    expect(Array.from(a.data)).toEqual(aCopy);
    const states = await (model.layers[0] as unknown as { getStates(): Promise<HostTensor[]> }).getStates();
    expectClose(states[0].data, b.data, 0, 0, 'getStates');
    model.resetStates();
    const c = await model.predict(secondHalf);
    expectClose(c.data, secondHalf.flatMap((s) => hostRnn(s, Wx, Wh, bias, [0, 0])[1]), 1e-12, 0, 'after resetStates');
    // A different batch size while a state is carried is a ShapeError that says what to do.
    await expect(model.predict([X[0]])).rejects.toThrow(/stateful layer keeps its state for one batch size/);
    model.resetStates();
    await expect(model.predict([X[0]])).resolves.toBeDefined();
  });

  it('resetStates(values) sets the carried states of a stateful layer', async () => {
    const h0 = [
      [0.3, -0.7],
      [1, 0.2],
    ];
    const model = sequential({ backend: ref(), seed: 1 }, [layers.simpleRNN({ units: H, inputShape: [null, D], stateful: true })]);
    model.setWeights(rnnWeights());
    model.layers[0].resetStates([h0]);
    expectClose((await model.predict(X)).data, X.flatMap((s, b) => hostRnn(s, Wx, Wh, bias, h0[b])[3]), 1e-12, 0);
    expect(() => model.layers[0].resetStates([[[1, 2, 3]]])).toThrow(/got shape \[1, 3\], wanted \[batch, 2\]/);
  });

  it('stateful training keeps the states between batches and fit works with a fixed batch size', async () => {
    const model = sequential({ backend: createCpuBackend(), seed: 1 }, [
      layers.lstm({ units: 4, stateful: true, batchInputShape: [2, null, D] }),
      layers.dense({ units: 1 }),
    ]);
    model.compile({ loss: 'mse', optimizer: 'adam' });
    const x = hostTensor(randomValues(5, 8 * 3 * D), [8, 3, D]);
    const y = hostTensor(randomValues(6, 8), [8, 1]);
    const h = await model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    await expect(model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })).rejects.toThrow(ShapeError);
  });

  it('Keras 3 defaults: tanh/sigmoid, glorotUniform kernel, orthogonal recurrent kernel, zero bias with unit forget bias, GRU resetAfter', async () => {
    const units = 4;
    const model = sequential({ backend: ref(), seed: 9 }, [layers.lstm({ units, inputShape: [null, 3] })]);
    const [k, r, b] = await model.getWeights();
    const limit = Math.sqrt(6 / (3 + 4 * units));
    expect(k.data.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(new Set(k.data).size).toBe(k.data.length);
    // Orthogonal [units, 4*units]: the rows are orthonormal.
    for (let i = 0; i < units; i++)
      for (let j = 0; j < units; j++) {
        let dot = 0;
        for (let c = 0; c < 4 * units; c++) dot += r.data[i * 4 * units + c] * r.data[j * 4 * units + c];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    expect(Array.from(b.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const cfg = model.layers[0].getConfig();
    expect(cfg).toMatchObject({ activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, unitForgetBias: true, returnSequences: false, goBackwards: false, stateful: false, dropout: 0 });
    const noForget = sequential({ backend: ref(), seed: 9 }, [layers.lstm({ units, unitForgetBias: false, inputShape: [null, 3] })]);
    expect((await noForget.getWeights())[2].data.every((v) => v === 0)).toBe(true);
    const gru = sequential({ backend: ref(), seed: 9 }, [layers.gru({ units, inputShape: [null, 3] })]);
    expect((await gru.getWeights()).map((w) => w.name)).toEqual(['gru/kernel', 'gru/recurrent_kernel', 'gru/bias', 'gru/recurrent_bias']);
    expect(gru.layers[0].getConfig()).toMatchObject({ resetAfter: true });
  });

  it('parameter counts match Keras 3', () => {
    const count = (l: Layer) => sequential({ backend: ref(), seed: 1 }, [l]).countParams();
    // Keras: SimpleRNN(50) on 1 feature = 2,600; LSTM 4(ud + u^2 + u); GRU reset_after 3(ud + u^2 + 2u), reset_before 3(ud + u^2 + u).
    expect(count(layers.simpleRNN({ units: 50, inputShape: [null, 1] }))).toBe(2600);
    expect(count(layers.lstm({ units: 32, inputShape: [null, 8] }))).toBe(4 * (32 * 8 + 32 * 32 + 32));
    expect(count(layers.gru({ units: 16, inputShape: [null, 5] }))).toBe(3 * (16 * 5 + 16 * 16 + 2 * 16));
    expect(count(layers.gru({ units: 16, resetAfter: false, inputShape: [null, 5] }))).toBe(3 * (16 * 5 + 16 * 16 + 16));
    expect(count(layers.bidirectional({ layer: layers.lstm({ units: 10 }), inputShape: [null, 4] }))).toBe(2 * 4 * (10 * 4 + 100 + 10));
    expect(count(layers.embedding({ inputDim: 30, outputDim: 8, inputShape: [null] }))).toBe(240);
  });

  it('kernelInitializer / recurrentInitializer / biasInitializer: names and functions', async () => {
    const seen: number[][] = [];
    const model = sequential({ backend: ref(), seed: 1 }, [
      layers.gru({
        units: 2,
        inputShape: [null, 3],
        kernelInitializer: 'ones',
        recurrentInitializer: (shape) => {
          seen.push([...shape]);
          return new Float64Array(shape[0] * shape[1]).fill(0.25);
        },
        biasInitializer: 'ones',
      }),
    ]);
    const [k, r, b, rb] = await model.getWeights();
    expect(k.data.every((v) => v === 1)).toBe(true);
    expect(r.data.every((v) => v === 0.25)).toBe(true);
    expect(seen).toEqual([[2, 6]]);
    expect(b.data.every((v) => v === 1) && rb.data.every((v) => v === 1)).toBe(true);
  });

  it('dropout and recurrentDropout act only in training, with seeded masks', async () => {
    const x = hostTensor(randomValues(11, 6 * 4 * D), [6, 4, D]);
    const y = hostTensor(randomValues(12, 6), [6, 1]);
    const make = (opts: object, seed = 2) => {
      const m = sequential({ backend: ref(), seed }, [layers.lstm({ units: 3, inputShape: [null, D], ...opts }), layers.dense({ units: 1 })]);
      m.compile({ loss: 'mse', optimizer: 'sgd' });
      return m;
    };
    const plain = make({});
    const dropped = make({ dropout: 0.5, recurrentDropout: 0.5 });
    dropped.setWeights(await plain.getWeights());
    expectClose((await dropped.predict(x)).data, (await plain.predict(x)).data, 0, 0, 'inference ignores dropout');
    expect((await dropped.evaluate(x, y)).loss).toBe((await plain.evaluate(x, y)).loss);
    const a = await dropped.trainOnBatch(x, y);
    const b = await plain.trainOnBatch(x, y);
    expect(a.loss).not.toBe(b.loss);
    // Same seed, same weights, same Rng position: identical masks.
    const c = make({ dropout: 0.5, recurrentDropout: 0.5 });
    const d = make({ dropout: 0.5, recurrentDropout: 0.5 });
    d.setWeights(await c.getWeights());
    expect((await c.trainOnBatch(x, y)).loss).toBe((await d.trainOnBatch(x, y)).loss);
  });

  it('recurrentActivation reaches every path: the recurrent-dropout cells, Bidirectional (both directions), getConfig and summary', async () => {
    const x = hostTensor(randomValues(13, 4 * 5 * D), [4, 5, D]);
    const y = hostTensor(randomValues(14, 4), [4, 1]);
    for (const make of [
      (o: object) => layers.gru({ units: 3, ...o }),
      (o: object) => layers.gru({ units: 3, resetAfter: false, ...o }),
      (o: object) => layers.lstm({ units: 3, ...o }),
    ]) {
      const loss = async (recurrentDropout: number, recurrentActivation: string) => {
        const opts = { recurrentDropout, recurrentActivation, recurrentInitializer: 'zeros', biasInitializer: 'ones', inputShape: [null, D] };
        const m = sequential({ backend: ref(), seed: 2 }, [make(opts), layers.dense({ units: 1 })]);
        m.compile({ loss: 'mse', optimizer: 'sgd' });
        return (await m.trainOnBatch(x, y)).loss;
      };
      // A zero recurrent kernel makes the dropout mask irrelevant, so the dropout cell must give
      // the plain cell's loss (checked against PyTorch in fixtures.test.ts) for each function.
      const plain = await Promise.all(['sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3'].map((a) => loss(0, a)));
      expect(new Set(plain).size).toBe(3);
      for (const [k, a] of ['sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3'].entries()) expect(await loss(0.9, a)).toBe(plain[k]);
    }
    const bi = layers.bidirectional({ layer: layers.gru({ units: 2, returnSequences: true, recurrentActivation: 'hardSigmoidKeras3' }), inputShape: [null, D] });
    expect([bi.forward.recurrentActivation, bi.backward.recurrentActivation]).toEqual(['hardSigmoidKeras3', 'hardSigmoidKeras3']);
    expect((bi.getConfig().layer as { config: Record<string, unknown> }).config.recurrentActivation).toBe('hardSigmoidKeras3');
    const m = sequential({ backend: ref() }, [bi, layers.lstm({ units: 2, recurrentActivation: 'hardSigmoidKeras2', inputShape: [null, 4] })]);
    const text = m.summary(null);
    expect(text).toMatch(/\(Bidirectional, recurrentActivation hardSigmoidKeras3\)/);
    expect(text).toMatch(/\(LSTM, recurrentActivation hardSigmoidKeras2\)/);
    expect(layers.gru({ units: 2 }).getConfig().recurrentActivation).toBe('sigmoid');
  });

  it('recurrentDropout masks only the state entering the recurrent matmul (the GRU carry z*h is not masked)', async () => {
    const x = hostTensor(randomValues(13, 4 * 5 * D), [4, 5, D]);
    const y = hostTensor(randomValues(14, 4), [4, 1]);
    for (const make of [
      (o: object) => layers.gru({ units: 3, ...o }),
      (o: object) => layers.gru({ units: 3, resetAfter: false, ...o }),
      (o: object) => layers.lstm({ units: 3, ...o }),
      (o: object) => layers.simpleRNN({ units: 3, ...o }),
    ]) {
      const loss = async (recurrentDropout: number, recurrentInitializer: 'zeros' | 'orthogonal') => {
        const m = sequential({ backend: ref(), seed: 2 }, [make({ recurrentDropout, recurrentInitializer, biasInitializer: 'ones', inputShape: [null, D] }), layers.dense({ units: 1 })]);
        m.compile({ loss: 'mse', optimizer: 'sgd' });
        return (await m.trainOnBatch(x, y)).loss;
      };
      // With a zero recurrent kernel the masked state feeds nothing: dropping it changes nothing.
      expect(await loss(0.9, 'zeros')).toBe(await loss(0, 'zeros'));
      expect(await loss(0.9, 'orthogonal')).not.toBe(await loss(0, 'orthogonal'));
    }
  });

  it('rejects unsupported options with ConfigError', () => {
    for (const name of ['hardSigmoid', 'hard_sigmoid'])
      for (const make of [layers.lstm, layers.gru])
        expect(() => make({ units: 4, recurrentActivation: name as never })).toThrow(
          /names two different functions.*'hardSigmoidKeras2' = clip\(0\.2 x \+ 0\.5, 0, 1\), what tfjs-layers' 'hardSigmoid'.*'hardSigmoidKeras3'/,
        );
    expect(() => layers.lstm({ units: 4, recurrentActivation: 'tanh' as never })).toThrow(/recurrentActivation must be one of 'sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3'/);
    expect(() => layers.simpleRNN({ units: 4, recurrentActivation: 'hardSigmoidKeras2' })).toThrow(/applies to LSTM and GRU only/);
    expect(() => layers.gru({ units: 4, activation: 'relu' })).toThrow(ConfigError);
    expect(() => layers.simpleRNN({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => layers.lstm({ units: 4, returnSequence: true } as never)).toThrow(/unknown option "returnSequence"/);
    expect(() => layers.lstm({ units: 4, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => layers.simpleRNN({ units: 4, kernelInitializer: 'nope' as never })).toThrow(/unknown initializer/);
    expect(() => sequential({ backend: ref() }, [layers.lstm({ units: 2, returnState: true, inputShape: [null, 1] }), layers.dense({ units: 1 })])).toThrow(
      /Only the last layer may return/,
    );
  });
});

describe('dense, embedding, dropout, masking, bidirectional, timeDistributed', () => {
  it('dense activations on [B, F] and on sequences [B, T, F]', async () => {
    const W = [
      [1, -2, 0.5],
      [0.3, 0.1, -1],
    ];
    const b = [0.1, 0, -0.2];
    const x = [
      [0.5, -1],
      [2, 0.25],
    ];
    const z = x.map((r) => [0, 1, 2].map((j) => r[0] * W[0][j] + r[1] * W[1][j] + b[j]));
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const acts: Record<string, (row: number[]) => number[]> = {
      linear: (r) => r,
      relu: (r) => r.map((v) => Math.max(0, v)),
      sigmoid: (r) => r.map(sig),
      tanh: (r) => r.map(Math.tanh),
      softmax: (r) => {
        const m = Math.max(...r);
        const e = r.map((v) => Math.exp(v - m));
        const s = e.reduce((p, q) => p + q, 0);
        return e.map((v) => v / s);
      },
    };
    for (const [activation, f] of Object.entries(acts)) {
      const model = sequential({ backend: ref() }, [layers.dense({ units: 3, activation: activation as never, inputShape: [2] })]);
      model.setWeights([hostTensor(W.flat(), [2, 3]), hostTensor(b, [3])]);
      expectClose((await model.predict(x)).data, z.flatMap(f), 1e-12, 0, activation);
      const seqModel = sequential({ backend: ref() }, [layers.dense({ units: 3, activation: activation as never, inputShape: [null, 2] })]);
      seqModel.setWeights([hostTensor(W.flat(), [2, 3]), hostTensor(b, [3])]);
      const p = await seqModel.predict([x, x]);
      expect(p.shape).toEqual([2, 2, 3]);
      expectClose(p.data, [...z.flatMap(f), ...z.flatMap(f)], 1e-12, 0, `${activation} on a sequence`);
    }
  });

  it('embedding gathers rows; maskZero masks index 0; out-of-range indices are an InputError', async () => {
    const table = [0, 0, 1, 2, 3, 4, 5, 6];
    const model = sequential({ backend: ref() }, [layers.embedding({ inputDim: 4, outputDim: 2, inputShape: [null] })]);
    model.setWeights([hostTensor(table, [4, 2])]);
    const p = await model.predict([
      [3, 1],
      [0, 2],
    ]);
    expect(Array.from(p.data)).toEqual([5, 6, 1, 2, 0, 0, 3, 4]);
    await expect(model.predict([[4, 1]])).rejects.toThrow(InputError);
    await expect(model.predict([[1.5, 1]])).rejects.toThrow(/index 1.5 at sample 0, position 0/);
    const masked = sequential({ backend: ref(), seed: 3 }, [layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [null] }), layers.simpleRNN({ units: 2 })]);
    const withPad = await masked.predict([[0, 0, 3, 1, 4]]);
    const without = await masked.predict([[3, 1, 4]]);
    expectClose(withPad.data, without.data, 1e-12, 0, 'maskZero skips index-0 steps');
  });

  it('dropout layer: identity at inference; in training zeroes about `rate` of the elements and scales the rest by 1/(1-rate)', () => {
    const e = createEngine(createCpuBackend());
    const layer = layers.dropout({ rate: 0.25 });
    const x = e.fill([40, 50], 2);
    const ctx = { e, training: true, rng: new Rng(7), defer: () => {} };
    const y = layer.call(ctx, { t: x }).out.t.dataSync();
    const zeros = Array.from(y).filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.2);
    expect(zeros / y.length).toBeLessThan(0.3);
    expect(Array.from(y).every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-6)).toBe(true);
    expect(layer.call({ ...ctx, training: false }, { t: x }).out.t).toBe(x);
  });

  it('masking: steps whose features all equal maskValue are zeroed and skipped', async () => {
    const model = sequential({ backend: ref(), seed: 2 }, [layers.masking({ maskValue: -1, inputShape: [null, D] }), layers.simpleRNN({ units: H, returnSequences: true })]);
    model.setWeights(rnnWeights());
    const x = [
      [
        [1, 0.5],
        [-1, -1],
        [-1, 0.3],
      ],
    ];
    const p = await model.predict(x);
    const outs = hostRnn([x[0][0], x[0][2]], Wx, Wh, bias, [0, 0]);
    expectClose(p.data, [...outs[0], 0, 0, ...outs[1]], 1e-12, 0);
  });

  it('bidirectional merges a forward pass and a backward pass aligned to the input positions', async () => {
    const fwd = X.map((s) => hostRnn(s, Wx, Wh, bias, [0, 0]));
    const Wx2 = [
      [-0.4, 0.1],
      [0.6, 0.2],
    ];
    const Wh2 = [
      [0.3, -0.2],
      [0.5, 0.1],
    ];
    const b2 = [0, 0.2];
    const bwd = X.map((s) => hostRnn([...s].reverse(), Wx2, Wh2, b2, [0, 0]).reverse());
    const merges: Record<string, (a: number, b: number) => number> = { sum: (a, b) => a + b, mul: (a, b) => a * b, ave: (a, b) => (a + b) / 2 };
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      const model = sequential({ backend: ref() }, [layers.bidirectional({ layer: layers.simpleRNN({ units: H, returnSequences: true }), mergeMode, inputShape: [null, D] })]);
      model.setWeights([...rnnWeights(), hostTensor(Wx2.flat(), [D, H]), hostTensor(Wh2.flat(), [H, H]), hostTensor(b2, [H])]);
      const p = await model.predict(X);
      const want: number[] = [];
      for (let b = 0; b < 2; b++)
        for (let t = 0; t < 4; t++) {
          if (mergeMode === 'concat') want.push(...fwd[b][t], ...bwd[b][t]);
          else want.push(...fwd[b][t].map((v, j) => merges[mergeMode](v, bwd[b][t][j])));
        }
      expect(p.shape).toEqual([2, 4, mergeMode === 'concat' ? 2 * H : H]);
      expectClose(p.data, want, 1e-12, 0, mergeMode);
    }
    const last = sequential({ backend: ref() }, [layers.bidirectional({ layer: layers.simpleRNN({ units: H }), inputShape: [null, D] })]);
    last.setWeights([...rnnWeights(), hostTensor(Wx2.flat(), [D, H]), hostTensor(Wh2.flat(), [H, H]), hostTensor(b2, [H])]);
    // Last outputs: the forward pass's final h and the backward pass's final h (after step 0).
    expectClose((await last.predict(X)).data, [0, 1].flatMap((b) => [...fwd[b][3], ...bwd[b][0]]), 1e-12, 0, 'last outputs');
    expect(() => layers.bidirectional({ layer: layers.dense({ units: 2 }) as never })).toThrow(ConfigError);
  });

  it('bidirectional initial states (forward then backward) and returnState', async () => {
    const h0f = [
      [0.5, 0.1],
      [-0.2, 0.4],
    ];
    const h0b = [
      [0, -0.6],
      [0.9, 0],
    ];
    const model = sequential({ backend: ref() }, [layers.bidirectional({ layer: layers.simpleRNN({ units: H, returnState: true }), inputShape: [null, D] })]);
    model.setWeights([...rnnWeights(), ...rnnWeights()]);
    const p = await model.predict(X, { initialState: { bidirectional: [h0f, h0b] } });
    const f = X.map((s, b) => hostRnn(s, Wx, Wh, bias, h0f[b]));
    const r = X.map((s, b) => hostRnn([...s].reverse(), Wx, Wh, bias, h0b[b]));
    expectClose(p.data, [0, 1].flatMap((b) => [...f[b][3], ...r[b][3]]), 1e-12, 0, 'outputs');
    expect(p.states?.length).toBe(2);
    expectClose(p.states![0].data, f.flatMap((o) => o[3]), 1e-12, 0, 'forward state');
    expectClose(p.states![1].data, r.flatMap((o) => o[3]), 1e-12, 0, 'backward state');
  });

  it('timeDistributed(dense) applies the dense layer at every step', async () => {
    const model = sequential({ backend: ref() }, [layers.timeDistributed({ layer: layers.dense({ units: 1, activation: 'tanh' }), inputShape: [null, D] })]);
    model.setWeights([hostTensor([0.5, -1], [2, 1]), hostTensor([0.1], [1])]);
    const p = await model.predict(X);
    expect(p.shape).toEqual([2, 4, 1]);
    expectClose(p.data, X.flat().map((s) => Math.tanh(0.5 * s[0] - s[1] + 0.1)), 1e-12, 0);
    expect(() => layers.timeDistributed({ layer: layers.lstm({ units: 2 }) })).toThrow(/cannot wrap a LSTM/);
  });
});
