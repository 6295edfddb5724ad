/**
 * Greedy and beam-search decoding against step functions whose best sequences are known by
 * construction: a hand-written probability tree (every sequence's probability multiplied out
 * by hand in the comments), and a random tree searched exhaustively by a plain enumeration
 * written here.
 */
import { ConfigError, InputError, NonFiniteError, ShapeError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { beamSearch, greedyDecode, type HostStates, type HostTensor, modelStep, type StepFunction } from '../src/index.js';

const END = 0;

/**
 * A step from a tree of next-token probabilities keyed by prefix (tokens as letters:
 * 0 = END, 1 = a, 2 = b, 3 = c). The state is the prefix, encoded as one number per row.
 */
function treeStep(tree: Record<string, number[]>, known: string[] = ['']): { step: StepFunction<HostStates>; calls: number[] } {
  const letters = '.abc';
  const prefixes: string[] = [...known];
  const id = (p: string) => {
    let i = prefixes.indexOf(p);
    if (i < 0) i = prefixes.push(p) - 1;
    return i;
  };
  const calls: number[] = [];
  const step: StepFunction<HostStates> = (tokens, states) => {
    calls.push(tokens.length);
    const s = states[0].data;
    const probs: number[] = [];
    const next = new Float64Array(tokens.length);
    tokens.forEach((tok, r) => {
      const prefix = prefixes[s[r]] + (tok === END ? '' : letters[tok]); // END is fed only as the start token
      const p = tree[prefix];
      if (!p) throw new Error(`no probabilities for prefix '${prefix}'`);
      probs.push(...p);
      next[r] = id(prefix);
    });
    return { probs, states: [{ data: next, shape: [tokens.length, 1] }] };
  };
  return { step, calls };
}

const root = (rows = 1): HostStates => [{ data: new Float64Array(rows), shape: [rows, 1] }];

/**
 * P(a END) = .5 * .3 = .15; P(a a END) = P(a b END) = .5 * .35 = .175; P(b END) = .4 * .9 = .36;
 * P(b a END) = P(b b END) = .4 * .05 = .02; P(c END) = .1. Greedy takes a (.5), then a (a and
 * b tie at .35: the lower index), then END: .175. The best sequence is b END (.36).
 */
const TREE: Record<string, number[]> = {
  '': [0, 0.5, 0.4, 0.1],
  a: [0.3, 0.35, 0.35, 0],
  b: [0.9, 0.05, 0.05, 0],
  c: [1, 0, 0, 0],
  aa: [1, 0, 0, 0],
  ab: [1, 0, 0, 0],
  ba: [1, 0, 0, 0],
  bb: [1, 0, 0, 0],
};

describe('greedyDecode', () => {
  it('takes the most probable token at each step, the lower index on a tie, and stops at the end token', async () => {
    const { step } = treeStep(TREE);
    const [h] = await greedyDecode(step, { startToken: END, endToken: END, maxLength: 5, initialStates: root() });
    expect(h.tokens).toEqual([1, 1]);
    expect(h.finished).toBe(true);
    expect(h.logProb).toBeCloseTo(Math.log(0.175), 12);
    expect(h.score).toBe(h.logProb);
  });

  it('stops at maxLength unfinished, and decodes a batch row by row, dropping finished rows', async () => {
    const { step } = treeStep(TREE);
    const [h] = await greedyDecode(step, { startToken: END, endToken: END, maxLength: 2, initialStates: root() });
    expect(h).toMatchObject({ tokens: [1, 1], finished: false });
    expect(h.logProb).toBeCloseTo(Math.log(0.5 * 0.35), 12);
    // Row 0 starts at the root (prefix id 0), row 1 after the prefix 'b' (id 1): b END (.9) ends it first.
    const t2 = treeStep(TREE, ['', 'b']);
    const both = await greedyDecode(t2.step, {
      startToken: END, endToken: END, maxLength: 5, batchSize: 2,
      initialStates: [{ data: Float64Array.from([0, 1]), shape: [2, 1] }],
    });
    expect(both.map((x) => [x.tokens, x.finished])).toEqual([[[1, 1], true], [[], true]]);
    expect(both[1].logProb).toBeCloseTo(Math.log(0.9), 12);
    expect(t2.calls).toEqual([2, 1, 1]);
  });

  it('without an end token runs every sequence to maxLength', async () => {
    const step: StepFunction<undefined> = (tokens) => ({ logProbs: tokens.flatMap((t) => [Math.log(0.2), t === 1 ? Math.log(0.1) : Math.log(0.7), Math.log(0.1)].map((v, i) => (t === 1 && i === 2 ? Math.log(0.7) : v))), states: undefined });
    // From token 0 the best next is 1 (0.7); from 1 it is 2 (0.7); from 2 it is 1 (0.7).
    const [h] = await greedyDecode(step, { startToken: 0, maxLength: 4, initialStates: undefined });
    expect(h.tokens).toEqual([1, 2, 1, 2]);
    expect(h.finished).toBe(false);
    expect(h.logProb).toBeCloseTo(4 * Math.log(0.7), 12);
  });
});

describe('beamSearch', () => {
  it('finds b END (.36), which greedy misses, then a a END (.175, before a b END on the tie)', async () => {
    const { step } = treeStep(TREE);
    const [hyps] = await beamSearch(step, { startToken: END, endToken: END, maxLength: 5, beamWidth: 2, initialStates: root() });
    expect(hyps.map((h) => h.tokens)).toEqual([[2], [1, 1]]);
    expect(hyps[0].logProb).toBeCloseTo(Math.log(0.36), 12);
    expect(hyps[1].logProb).toBeCloseTo(Math.log(0.175), 12);
    expect(hyps.every((h) => h.finished)).toBe(true);
  });

  it('beam width 1 is greedy decoding', async () => {
    const [g] = await greedyDecode(treeStep(TREE).step, { startToken: END, endToken: END, maxLength: 5, initialStates: root() });
    const [[b]] = await beamSearch(treeStep(TREE).step, { startToken: END, endToken: END, maxLength: 5, beamWidth: 1, initialStates: root() });
    expect(b.tokens).toEqual(g.tokens);
    expect(b.logProb).toBeCloseTo(g.logProb, 12);
  });

  it('length normalisation prefers the longer sequence that plain log-probability ranks lower', async () => {
    // P(END) = .4: log .4 = -0.916; P(a a END) = .6 * 1 * .5 = .3: log .3 / 3 = -0.401 with alpha 1;
    // P(a a a END) = .6 * 1 * .5 * 1 = .3 too: log .3 / 4 = -0.301, the best normalised score.
    const tree = { '': [0.4, 0.6, 0, 0], a: [0, 1, 0, 0], aa: [0.5, 0.5, 0, 0], aaa: [1, 0, 0, 0] };
    const plain = await beamSearch(treeStep(tree).step, { startToken: END, endToken: END, maxLength: 4, beamWidth: 2, initialStates: root() });
    expect(plain[0][0].tokens).toEqual([]);
    expect(plain[0][0].score).toBeCloseTo(Math.log(0.4), 12);
    const normed = await beamSearch(treeStep(tree).step, { startToken: END, endToken: END, maxLength: 4, beamWidth: 2, lengthNormalization: 1, initialStates: root() });
    expect(normed[0].map((h) => h.tokens)).toEqual([[1, 1, 1], [1, 1]]);
    expect(normed[0][0].score).toBeCloseTo(Math.log(0.3) / 4, 12);
    expect(normed[0][1].score).toBeCloseTo(Math.log(0.3) / 3, 12);
    expect(normed[0][0].logProb).toBeCloseTo(Math.log(0.3), 12);
  });

  it('with a width above the number of prefixes it returns the exhaustive top sequences of a random tree, in a batch', async () => {
    // A random prefix-dependent distribution over 4 tokens (0 = END), up to 4 tokens.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const tree: Record<string, number[]> = {};
    const walk = (p: string) => {
      const w = [0, 1, 2, 3].map(() => 0.05 + rand());
      const sum = w.reduce((a, b) => a + b, 0);
      tree[p] = w.map((x) => x / sum);
      if (p.length < 4) for (const c of 'abc') walk(p + c);
    };
    walk('');
    // Exhaustive enumeration: every sequence ending in END within 4 tokens, and every 4-token prefix (unfinished).
    const all: { s: string; lp: number; finished: boolean }[] = [];
    const enumerate = (p: string, lp: number) => {
      all.push({ s: p, lp: lp + Math.log(tree[p][0]), finished: true });
      if (p.length === 3) {
        for (const [i, c] of [...'abc'].entries()) all.push({ s: p + c, lp: lp + Math.log(tree[p][i + 1]), finished: false });
        return;
      }
      for (const [i, c] of [...'abc'].entries()) enumerate(p + c, lp + Math.log(tree[p][i + 1]));
    };
    enumerate('', 0);
    all.sort((x, y) => y.lp - x.lp);
    const K = 40; // more than the 27 three-token prefixes alive at once
    const out = await beamSearch(treeStep(tree).step, { startToken: END, endToken: END, maxLength: 4, beamWidth: K, batchSize: 2, initialStates: root(2) });
    for (const hyps of out) {
      expect(hyps).toHaveLength(K);
      hyps.forEach((h, i) => {
        expect(h.tokens.map((t) => 'abc'[t - 1]).join('')).toBe(all[i].s);
        expect(h.finished).toBe(all[i].finished);
        expect(h.logProb).toBeCloseTo(all[i].lp, 10);
      });
    }
  });

  it('stops once no live prefix can beat the finished hypotheses', async () => {
    // P(END) = .9 at the root; every longer sequence is below .1, so one step decides with width 1.
    const { step, calls } = treeStep({ '': [0.9, 0.1, 0, 0], a: [0.5, 0.5, 0, 0], aa: [1, 0, 0, 0] });
    const [[h]] = await beamSearch(step, { startToken: END, endToken: END, maxLength: 10, beamWidth: 1, initialStates: root() });
    expect(h.tokens).toEqual([]);
    expect(calls).toEqual([1]);
  });
});

describe('decoding errors', () => {
  const base = { startToken: END, endToken: END, maxLength: 3, initialStates: root() };
  const step = treeStep(TREE).step;

  it('bad options are ConfigErrors naming the option', async () => {
    await expect(beamSearch(step, { ...base, beamWidth: 0 })).rejects.toThrow(ConfigError);
    await expect(beamSearch(step, { ...base, beamWidth: 2.5 })).rejects.toThrow(/beamWidth must be a positive integer/);
    await expect(beamSearch(step, { ...base, lengthNormalization: -1 })).rejects.toThrow(/lengthNormalization/);
    await expect(greedyDecode(step, { ...base, maxLength: 0 })).rejects.toThrow(/maxLength must be a positive integer/);
    await expect(greedyDecode(step, { ...base, startToken: -1 })).rejects.toThrow(/startToken/);
    await expect(greedyDecode(step, { ...base, endToken: 9 })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/endToken 9 is outside the step's vocabulary of 4 tokens/) });
  });

  it("a step output of the wrong size, NaN or not a probability is a typed error", async () => {
    const bad = (out: object): StepFunction<HostStates> => () => ({ states: root(), ...out });
    await expect(greedyDecode(bad({ logProbs: [0, 0, 0] }), { ...base, batchSize: 2, initialStates: root(2) })).rejects.toThrow(ShapeError);
    await expect(greedyDecode(bad({ logProbs: [0, Number.NaN] }), base)).rejects.toThrow(NonFiniteError);
    await expect(greedyDecode(bad({ probs: [0.5, 1.5] }), base)).rejects.toThrow(InputError);
    await expect(greedyDecode(bad({ logProbs: [2, -3] }), base)).rejects.toThrow(/not a log-probability/);
    await expect(greedyDecode(bad({}), base)).rejects.toThrow(/neither logProbs nor probs/);
  });

  it('states that are not host tensors need a gather function, which is then used', async () => {
    const custom: StepFunction<{ prefix: string[] }> = (tokens, s) => {
      const prefix = tokens.map((t, r) => s.prefix[r] + (t === END ? '' : '.abc'[t]));
      return { probs: prefix.flatMap((p) => TREE[p]), states: { prefix } };
    };
    const o = { startToken: END, endToken: END, maxLength: 5, beamWidth: 2, initialStates: { prefix: [''] } };
    await expect(beamSearch(custom, o)).rejects.toThrow(/pass gather/);
    const [[best]] = await beamSearch(custom, { ...o, gather: (s, rows) => ({ prefix: rows.map((r) => s.prefix[r]) }) });
    expect(best.tokens).toEqual([2]);
  });
});

describe('modelStep', () => {
  it('feeds [tokens, ...states] to predict, passes constants through, and takes [probs, ...new states]', async () => {
    const seen: number[][][] = [];
    // A stand-in for a step model: P(next) from the tree of TREE by prefix id (state 1), a constant (state 0) per row.
    const prefixes = [''];
    const fake = {
      async predict(x: HostTensor[], o?: { batchSize?: number }) {
        seen.push(x.map((t) => t.shape));
        expect(o?.batchSize).toBe(x[0].shape[0]);
        const rows = x[0].shape[0];
        const probs: number[] = [];
        const next = new Float64Array(rows);
        for (let r = 0; r < rows; r++) {
          const tok = x[0].data[r];
          expect(x[1].data[r]).toBe(7); // the constant
          const p = prefixes[x[2].data[r]] + (tok === END ? '' : '.abc'[tok]);
          if (!prefixes.includes(p)) prefixes.push(p);
          next[r] = prefixes.indexOf(p);
          probs.push(...TREE[p]);
        }
        return [{ data: Float64Array.from(probs), shape: [rows, 1, 4] }, { data: next, shape: [rows, 1] }];
      },
    };
    const step = modelStep(fake, { constants: 1 });
    const initialStates = [{ data: Float64Array.of(7), shape: [1, 1] }, { data: Float64Array.of(0), shape: [1, 1] }];
    const [hyps] = await beamSearch(step, { startToken: END, endToken: END, maxLength: 5, beamWidth: 2, initialStates });
    expect(hyps.map((h) => h.tokens)).toEqual([[2], [1, 1]]);
    expect(seen[0]).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(seen[1]).toEqual([[2, 1], [2, 1], [2, 1]]);
    await expect(modelStep(fake, { constants: 0 })([END], initialStates)).rejects.toThrow(/step model outputs/);
    expect(() => modelStep({} as never)).toThrow(ConfigError);
  });
});
