/**
 * Name classification: read a first name character by character and say whether it is in the
 * female or the male list (stdlib's English first-name datasets). Names in both lists (Jean,
 * Robin, ...) are ambiguous and dropped. The split is fixed (seed 42), so every model is scored
 * on the same held-out names.
 */
import { Rng } from '@recurrent/core';
import { type Batch, type Task, binaryScore, pct, sigmoid } from './task.js';
import { cleanNames, encodeChars, NAME_CHARS } from './text.js';

export interface LabelledName {
  name: string;
  /** 1 = female, 0 = male. */
  label: number;
}

export function splitNames(female: readonly string[], male: readonly string[]): { train: LabelledName[]; val: LabelledName[] } {
  const f = cleanNames(female);
  const m = cleanNames(male);
  const both = new Set(f.filter((n) => m.includes(n)));
  const rng = new Rng(42);
  const train: LabelledName[] = [];
  const val: LabelledName[] = [];
  for (const [list, label] of [
    [f, 1],
    [m, 0],
  ] as const) {
    const kept = rng.shuffle(list.filter((n) => !both.has(n)));
    const nVal = Math.round(kept.length * 0.1);
    kept.forEach((name, i) => (i < nVal ? val : train).push({ name, label }));
  }
  return { train, val };
}

/** One-hot names, post-padded to T steps, truncated to T characters. */
export function encodeNames(items: readonly LabelledName[], T: number): Batch {
  const D = NAME_CHARS.length;
  const B = items.length;
  const x = new Float32Array(B * T * D);
  const lengths: number[] = [];
  const target = new Float32Array(B);
  items.forEach((it, b) => {
    const idx = encodeChars(it.name).slice(0, T);
    idx.forEach((c, t) => (x[(b * T + t) * D + c] = 1));
    lengths.push(Math.max(1, idx.length));
    target[b] = it.label;
  });
  return { x, B, T, D, lengths, target };
}

export function namesTask(female: readonly string[], male: readonly string[], T: number): Task & { classify(names: string[]): Batch } {
  const { train, val } = splitNames(female, male);
  const validation = encodeNames(val, T);
  return {
    id: 'names',
    title: 'Name → female or male',
    blurb: `Reads a first name letter by letter and says which list it is from. ${train.length} training names, ${val.length} held out.`,
    inputSize: NAME_CHARS.length,
    outputSize: 1,
    head: 'last',
    loss: 'binary',
    metric: { name: 'accuracy', higherIsBetter: true, format: pct },
    trainMetric: { name: 'accuracy', scale: 1 },
    trainSize: train.length,
    validation,
    trainBatch(rng, B) {
      return encodeNames(
        Array.from({ length: B }, () => train[rng.int(train.length)]),
        T,
      );
    },
    score: binaryScore,
    exampleCount: val.length,
    example(i) {
      const it = val[((i % val.length) + val.length) % val.length];
      const chars = [...it.name.toLowerCase()].filter((c) => NAME_CHARS.includes(c)).slice(0, T);
      const batch = encodeNames([it], Math.max(1, chars.length));
      return {
        batch,
        stepLabels: chars,
        describe: (pred) => {
          const p = sigmoid(pred[0]);
          return `“${it.name}” is in the ${it.label ? 'female' : 'male'} list; the model says ${p >= 0.5 ? 'female' : 'male'} (P(female) = ${p.toFixed(2)}).`;
        },
      };
    },
    classify(names) {
      const items = names.map((name) => ({ name, label: 0 }));
      const longest = Math.max(1, ...items.map((n) => Math.min(T, encodeChars(n.name).length)));
      return encodeNames(items, longest);
    },
  };
}
