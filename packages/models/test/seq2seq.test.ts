/**
 * The CMUdict readers and g2p token encoding the CLI and the playground share (`data.parseCmudict`,
 * `data.cmudictEntries`, `data.pronouncedWord`, `data.g2pTeacherForcing`), and the seq2seq
 * recipe's attention model: its weights are the attention layer's own (rows sum to 1, the same
 * as a functional model over the trained layers returns), and a loaded model is recognised.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { InputError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { attentionWeights, data, input, io, layers, loadModel, model, sequential, seq2seq, seq2seqInference, seq2seqShapeOf, type SymbolicTensor, translate } from '../src/index.js';

describe('CMUdict readers', () => {
  it('text form: comments and blank lines skipped, alternatives left out, CRLF read', () => {
    const m = data.parseCmudict(";;; comment\nHELLO  HH AH0 L OW1\r\nHELLO(1)  HH EH0 L OW1\n\nWORLD\tW ER1 L D\n", 'd.txt');
    expect([...m]).toEqual([
      ['HELLO', 'HH AH0 L OW1'],
      ['WORLD', 'W ER1 L D'],
    ]);
  });

  it('bad or hostile input is an InputError naming the file, before anything large is kept', () => {
    expect(() => data.parseCmudict('HELLO\n', 'd.txt')).toThrow(/d\.txt: line 1 is not 'SPELLING {2}PHONEMES'/);
    expect(() => data.parseCmudict('A  B\nC  D\nE  F\n', 'd.txt', { maxEntries: 2 })).toThrow(InputError);
    expect(() => data.parseCmudict(`${'A'.repeat(500)}  B\n`, 'd.txt')).toThrow(/at most 200 characters/);
    expect(() => data.cmudictEntries([], 'dict.json')).toThrow(/wanted a JSON object/);
    expect(() => data.cmudictEntries({ A: 1 }, 'dict.json')).toThrow(/entry "A" is not a string/);
    expect(() => data.cmudictEntries({ A: 'EY1', B: 'B IY1' }, 'dict.json', { maxEntries: 1 })).toThrow(/2 entries, more than the 1/);
    // A "__proto__" key from JSON.parse is an own property: read as a (useless) entry, nothing polluted.
    const m = data.cmudictEntries(JSON.parse('{"__proto__": "P R OW1", "A(1)": "AH0", "A": "EY1"}'), 'dict.json');
    expect([...m]).toEqual([
      ['__proto__', 'P R OW1'],
      ['A', 'EY1'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a word is its letters and its first pronunciation without stress digits; tokens both ways', () => {
    expect(data.pronouncedWord('HELLO', 'HH AH0 L OW1', 15)).toEqual({ word: 'hello', phonemes: ['HH', 'AH', 'L', 'OW'] });
    expect(data.pronouncedWord("A'S", 'EY1 Z', 15)).toBeUndefined();
    expect(data.pronouncedWord('ABC', 'EY1 XX', 15)).toBeUndefined();
    expect(data.letterTokens('az')).toEqual([1, 26]);
    expect(() => data.letterTokens('a1')).toThrow(InputError);
    expect(data.tokenPhonemes([data.G2P_START, ...data.phonemeTokens(['HH', 'AH']), data.G2P_END])).toEqual(['HH', 'AH']);
    const t = data.g2pTeacherForcing([{ word: 'hi', phonemes: ['HH', 'AY'] }, { word: 'a', phonemes: ['EY'] }], { letters: 3 });
    const [hh, ay, ey] = data.phonemeTokens(['HH', 'AY', 'EY']);
    expect(t.x[0]).toEqual({ data: Float32Array.of(8, 9, 0, 1, 0, 0), shape: [2, 3] });
    expect(t.x[1]).toEqual({ data: Float32Array.of(1, hh, ay, 1, ey, 0), shape: [2, 3] });
    expect(t.y).toEqual({ data: Float32Array.of(hh, ay, 2, ey, 2, 0), shape: [2, 3] });
  });
});

describe('seq2seq recipe', () => {
  const shape = { cell: 'gru' as const, units: 6, embedding: 4, sourceTokens: data.LETTER_TOKENS, targetTokens: data.PHONEME_TOKENS };

  it('the attention weights are the attention layer’s: rows sum to 1, as a model over the trained layers returns', async () => {
    const m = seq2seq({ backend: createCpuBackend(), seed: 5, ...shape });
    expect(seq2seqShapeOf(m)).toEqual(shape);
    const inf = seq2seqInference(m);
    const word = data.letterTokens('cat');
    const [decoded] = await translate(inf, [word], { startToken: data.G2P_START, endToken: data.G2P_END, maxLength: 5 });
    const previous = [data.G2P_START, ...decoded];
    const w = await attentionWeights(inf, word, previous);
    expect(w.shape).toEqual([previous.length, 3]);
    for (let r = 0; r < previous.length; r++) expect(w.data[r * 3] + w.data[r * 3 + 1] + w.data[r * 3 + 2]).toBeCloseTo(1, 5);
    // The same weights from a functional model the caller wires over the trained layers.
    const get = (n: string) => m.layers.find((l) => l.name === n)!;
    const src = input({ shape: [null], dtype: 'int32' });
    const prev = input({ shape: [null], dtype: 'int32' });
    const [enc, ...st] = get('encoder').apply(get('letter_embedding').apply(src)) as SymbolicTensor[];
    const [out] = get('decoder').apply(get('phoneme_embedding').apply(prev), { initialState: st }) as SymbolicTensor[];
    const [, weights] = get('attention').apply([out, enc]) as SymbolicTensor[];
    const check = model({ inputs: [src, prev], outputs: weights, backend: m.engine });
    const p = (await check.predict([
      { data: Float32Array.from(word), shape: [1, 3] },
      { data: Float32Array.from(previous), shape: [1, previous.length] },
    ])) as { data: Float32Array };
    expect(Array.from(w.data)).toEqual(Array.from(p.data));
    m.dispose();
  });

  it('a saved model loads and is recognised; other models are named as not the encoder-decoder', async () => {
    const m = seq2seq({ backend: createCpuBackend(), seed: 5, ...shape, cell: 'lstm' });
    const h = io.memory();
    await m.save(h);
    const back = await loadModel(io.memory(h.artifacts!), { backend: createCpuBackend() });
    expect(seq2seqShapeOf(back)).toEqual({ ...shape, cell: 'lstm' });
    const s = sequential({ backend: createCpuBackend() }, [layers.lstm({ units: 3, inputShape: [null, 2] }), layers.dense({ units: 1 })]);
    expect(seq2seqShapeOf(s)).toMatch(/not a functional model/);
    for (const x of [m, back, s]) x.dispose();
  });
});
