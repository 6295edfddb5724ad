/**
 * The g2p example's data and scoring: the CMUdict counts (116,266 words kept, counted by a
 * Python script over the package's other file, data/dict.txt), edit distance and phoneme error
 * rate on hand-checked cases, and the nearest-spelling baseline against a plain linear scan.
 */
import { describe, expect, it } from 'vitest';
import { g2pWord, loadG2pWords, PHONEMES } from '../src/datasets/index.js';
import { editDistance } from '../src/edit-distance.js';
import { data } from '@recurrent/models';

const { nearestSpelling, scorePronunciations } = data;

describe('g2p data', () => {
  it('a word is its letters and its first pronunciation without stress digits', () => {
    expect(g2pWord('HELLO', 'HH AH0 L OW1')).toEqual({ word: 'hello', phonemes: ['HH', 'AH', 'L', 'OW'] });
    expect(g2pWord("A'S", 'EY1 Z')).toBeUndefined();
    expect(g2pWord('A'.repeat(16), 'EY1')).toBeUndefined();
    expect(PHONEMES).toHaveLength(39);
  });

  it('CMUdict: 116,266 of 125,005 entries kept, a fixed 80/10/10 split with no spelling in two parts', () => {
    const a = loadG2pWords();
    expect(a.counts).toEqual({ entries: 125_005, kept: 116_266 });
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([93_012, 11_627, 11_627]);
    expect(loadG2pWords().test.slice(0, 20)).toEqual(a.test.slice(0, 20));
    const train = new Set(a.train.map((w) => w.word));
    expect(a.test.some((w) => train.has(w.word))).toBe(false);
  });
});

describe('edit distance and phoneme error rate', () => {
  it('edit distance of strings and of phoneme lists, by hand', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3); // k->s, e->i, +g
    expect(editDistance('flaw', 'lawn')).toBe(2); // -f, +n
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance(['HH', 'AH', 'L', 'OW'], ['HH', 'EH', 'L', 'OW'])).toBe(1);
    expect(editDistance(['K', 'AE', 'T', 'S'], ['K', 'AE', 'T'])).toBe(1);
  });

  it('phoneme error rate is total edits over total reference phonemes; word accuracy counts exact words', () => {
    // hello: 1 substitution of 4; world: right; cats -> cat: 1 insertion of 3. 2 / 11 phonemes, 1 of 3 words.
    const s = scorePronunciations(
      [['HH', 'EH', 'L', 'OW'], ['W', 'ER', 'L', 'D'], ['K', 'AE', 'T', 'S']],
      [['HH', 'AH', 'L', 'OW'], ['W', 'ER', 'L', 'D'], ['K', 'AE', 'T']],
    );
    expect(s.phonemeErrorRate).toBeCloseTo(2 / 11, 15);
    expect(s.wordAccuracy).toBeCloseTo(1 / 3, 15);
    expect(scorePronunciations([[]], [['AH']]).phonemeErrorRate).toBe(1);
    expect(() => scorePronunciations([], [])).toThrow(RangeError);
  });
});

describe('nearest-spelling baseline', () => {
  it('the closest training spelling, the alphabetically first on a tie', () => {
    const near = nearestSpelling(['cat', 'cart', 'dog', 'cot']);
    expect(near('cat')).toBe(0);
    expect(near('cet')).toBe(0); // cat and cot at 1: cat first
    expect(near('dogs')).toBe(2);
    expect(near('zzzzzz')).toBe(1); // all four at 6: cart first
    expect(near('')).toBe(0); // cat, cot, dog at 3: cat first (cart is 4)
  });

  it('agrees with a linear scan over real spellings', () => {
    const a = loadG2pWords();
    const train = a.train.slice(0, 3000).map((w) => w.word);
    const near = nearestSpelling(train);
    for (const { word } of a.test.slice(0, 150)) {
      let best = -1;
      let bestD = Infinity;
      for (let i = 0; i < train.length; i++) {
        const d = editDistance(word, train[i]);
        if (d < bestD || (d === bestD && train[i] < train[best])) [best, bestD] = [i, d];
      }
      expect(train[near(word)], word).toBe(train[best]);
    }
  });
});
