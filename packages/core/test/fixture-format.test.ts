import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixtureError } from '../src/index.js';
import { compare, parseFixture, type Fixture } from '../src/testing/index.js';
import { findReferenceFixture, findReferenceFixtures, loadFixtureFile } from '../src/testing/node.js';

/** The PyTorch reference file; RECURRENT_FIXTURES overrides the shared location. */
const REFERENCE = findReferenceFixture();
// biome-ignore lint/suspicious/noExplicitAny: the tests mutate arbitrary fields of the raw JSON.
const referenceJson = (): Record<string, any> => JSON.parse(readFileSync(REFERENCE, 'utf8'));

/** Asserts that parsing `json` throws a FixtureError whose message contains `where` and `what`. */
function expectFixtureError(json: unknown, where: string, what?: RegExp): FixtureError {
  let caught: unknown;
  try {
    parseFixture(json);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FixtureError);
  const err = caught as FixtureError;
  expect(err.code).toBe('E_FIXTURE');
  expect(err.message).toContain(`fixture ${where}: `);
  if (what) expect(err.message).toMatch(what);
  return err;
}

const zeros = (...shape: number[]) => ({ shape, data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0) });

/** A hand-written cell case (shapes spelled out here, independent of the reader's tables). */
function syntheticCell(cell: 'simple_rnn' | 'lstm' | 'gru' | 'gru_reset_before', B: number, T: number, D: number, H: number) {
  const gates = { simple_rnn: [''], lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'n'], gru_reset_before: ['r', 'z', 'n'] }[cell];
  const params: Record<string, unknown> = {};
  for (const g of gates) {
    params[`W_x${g}`] = zeros(D, H);
    params[`W_h${g}`] = zeros(H, H);
    params[`b_x${g}`] = zeros(H);
    params[`b_h${g}`] = zeros(H);
  }
  const lstm = cell === 'lstm';
  return {
    name: `${cell}_${B}x${T}x${D}x${H}`,
    cell,
    batch: B,
    steps: T,
    inputSize: D,
    units: H,
    params,
    inputs: {
      x: zeros(B, T, D),
      h0: zeros(B, H),
      dy: zeros(B, T, H),
      dhT: zeros(B, H),
      ...(lstm ? { c0: zeros(B, H), dcT: zeros(B, H) } : {}),
    },
    outputs: { y: zeros(B, T, H), hT: zeros(B, H), ...(lstm ? { cT: zeros(B, H) } : {}) },
    grads: { ...params, x: zeros(B, T, D), h0: zeros(B, H), ...(lstm ? { c0: zeros(B, H) } : {}) },
  };
}

describe('parseFixture: the PyTorch reference file', () => {
  it('parses every section with typed tensors', () => {
    const f = parseFixture(referenceJson(), 'ref.json');
    expect(f.format).toBe('recurrent-reference/1');
    expect(f.source).toBe('ref.json');
    expect(f.generator).toMatch(/PyTorch/);
    expect(f.cells.map((c) => c.cell)).toEqual(['simple_rnn', 'lstm', 'gru', 'gru_reset_before', 'lstm']);
    const lstm = f.cells[1];
    expect(lstm.params.W_hf.shape).toEqual([5, 5]);
    expect(lstm.params.W_hf.data).toBeInstanceOf(Float64Array);
    expect(Object.keys(lstm.inputs).sort()).toEqual(['c0', 'dcT', 'dhT', 'dy', 'h0', 'x']);
    expect(Object.keys(lstm.grads)).toHaveLength(16 + 3);
    expect(f.cells[3].nnModuleMaxDiff).toBeNull();

    expect(f.losses).toHaveLength(8);
    const sparse = f.losses.find((l) => l.name === 'sparse_categorical_crossentropy_from_logits')!;
    expect(sparse.target.shape).toEqual([4]);
    expect(Array.from(sparse.target.data)).toEqual([3, 3, 2, 2]);

    const adam = f.optimizers.find((o) => o.name === 'adam')!;
    expect(adam.kind).toBe('update');
    expect(adam.options.betas).toEqual([0.9, 0.999]);
    expect(adam.after_each_step).toHaveLength(4);
    const clip = f.optimizers.find((o) => o.kind === 'clip')!;
    expect(clip.kind === 'clip' && clip.options.max_norm).toBe(1);
    expect(clip.norm_before).toBeCloseTo(5.44142945, 6);

    const train = f.training[0];
    expect(train.optimizer).toEqual({ name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7 });
    expect(train.lossBeforeEachStep).toHaveLength(train.trainSteps);
    expect(train.initialParams['dense.W'].shape).toEqual([8, 1]);
  });

  it('loadFixtureFile reads the file and names it as the source', async () => {
    const f = await loadFixtureFile(REFERENCE);
    expect(f.source).toBe(REFERENCE);
    expect(f.cells.length + f.losses.length + f.optimizers.length + f.training.length).toBe(24);
  });
});

describe('parseFixture: mutated copies throw FixtureError at the right place', () => {
  it('wrong format string', () => {
    const j = referenceJson();
    j.format = 'foo';
    expectFixtureError(j, 'format', /'foo' is not 'recurrent-reference\/1'/);
    delete j.format;
    expectFixtureError(j, 'format', /missing/);
  });

  it('a weight with the wrong shape names the dimension that is off', () => {
    const j = referenceJson();
    j.cells[1].params.W_hf = zeros(5, 4);
    expectFixtureError(j, 'cells[1].params.W_hf', /shape \[5, 4\] does not match units 5 \(\[units, units\] = \[5, 5\] wanted\)/);
  });

  it('a gradient with the wrong rank', () => {
    const j = referenceJson();
    j.cells[0].grads.x = zeros(2, 12);
    expectFixtureError(j, 'cells[0].grads.x', /has 2 dimensions \(\[batch, steps, inputSize\] = \[2, 4, 3\] wanted\)/);
  });

  it('wrong data length', () => {
    const j = referenceJson();
    j.losses[3].pred.data.pop();
    expectFixtureError(j, 'losses[3].pred.data', /3 values for shape \[4, 1\] \(4 wanted\)/);
    const k = referenceJson();
    k.losses[0].pred.data.pop();
    expectFixtureError(k, 'losses[0].pred.data', /19 values for shape \[4, 5\] \(20 wanted\)/);
  });

  it('NaN, a string or null in data', () => {
    const j = referenceJson();
    j.cells[2].inputs.x.data[7] = NaN;
    expectFixtureError(j, 'cells[2].inputs.x.data[7]', /NaN is not a finite number/);
    j.cells[2].inputs.x.data[7] = '0.5';
    expectFixtureError(j, 'cells[2].inputs.x.data[7]', /'0\.5' \(a string\) is not a finite number/);
    j.cells[2].inputs.x.data[7] = null;
    expectFixtureError(j, 'cells[2].inputs.x.data[7]', /null is not a finite number/);
    j.cells[2].inputs.x.data[7] = Infinity;
    expectFixtureError(j, 'cells[2].inputs.x.data[7]', /Infinity is not a finite number/);
  });

  it('missing fields', () => {
    let j = referenceJson();
    delete j.cells[1].inputs.c0;
    expectFixtureError(j, 'cells[1].inputs.c0', /missing \(an lstm case needs c0 \[batch, units\] = \[2, 5\]\)/);
    j = referenceJson();
    delete j.cells[0].units;
    expectFixtureError(j, 'cells[0].units', /missing \(wanted a positive integer\)/);
    j = referenceJson();
    delete j.losses[2].value;
    expectFixtureError(j, 'losses[2].value', /missing/);
    j = referenceJson();
    delete j.optimizers[3].after_each_step;
    expectFixtureError(j, 'optimizers[3].after_each_step', /missing/);
    j = referenceJson();
    delete j.training[1].finalParams['dense.b'];
    expectFixtureError(j, 'training[1].finalParams["dense.b"]', /missing \(an lstm layer \+ dense needs dense\.b \[1\] = \[1\]\)/);
    j = referenceJson();
    delete j.cells[0].params;
    expectFixtureError(j, 'cells[0].params', /missing \(wanted an object of tensors\)/);
  });

  it('a tensor the cell does not have', () => {
    const j = referenceJson();
    j.cells[0].params.W_xi = zeros(3, 5);
    expectFixtureError(j, 'cells[0].params.W_xi', /not a tensor of a simple_rnn cell \(wanted exactly W_x, W_h, b_x, b_h\)/);
  });

  it('unknown cell type', () => {
    const j = referenceJson();
    j.cells[2].cell = 'rnn';
    expectFixtureError(j, 'cells[2].cell', /'rnn' is not a known cell \(wanted one of simple_rnn, lstm, gru, gru_reset_before\)/);
    const k = referenceJson();
    k.training[0].cell = 'LSTM';
    expectFixtureError(k, 'training[0].cell', /'LSTM' is not a known cell/);
  });

  it('a non-integer or out-of-range sparse label', () => {
    const j = referenceJson();
    j.losses[5].target.data[2] = 2.5;
    expectFixtureError(j, 'losses[5].target.data[2]', /2\.5 is not an integer class label in \[0, 5\)/);
    j.losses[5].target.data[2] = 5;
    expectFixtureError(j, 'losses[5].target.data[2]', /5 is not an integer class label/);
    const k = referenceJson();
    k.losses[7].target = zeros(2, 3, 5);
    expectFixtureError(k, 'losses[7].target', /not pred's shape without the class axis \[2, 3\]/);
  });

  it('optimizer and training consistency', () => {
    let j = referenceJson();
    j.optimizers[0].after_each_step.pop();
    expectFixtureError(j, 'optimizers[0].after_each_step', /3 tensors for 4 gradients/);
    j = referenceJson();
    j.optimizers[3].options.betas = [0.9];
    expectFixtureError(j, 'optimizers[3].options.betas', /not a pair/);
    j = referenceJson();
    delete j.optimizers[7].options.max_norm;
    expectFixtureError(j, 'optimizers[7].options.max_norm', /missing/);
    j = referenceJson();
    delete j.optimizers[7].clipped;
    delete j.optimizers[7].norm_before;
    expectFixtureError(j, 'optimizers[7]', /has neither p0/);
    j = referenceJson();
    j.training[0].lossBeforeEachStep.pop();
    expectFixtureError(j, 'training[0].lossBeforeEachStep', /29 values for trainSteps 30/);
    j = referenceJson();
    j.training[2].optimizer.lr = 'fast';
    expectFixtureError(j, 'training[2].optimizer.lr', /'fast' is not a finite number/);
    j = referenceJson();
    j.losses[1].name = j.losses[0].name;
    expectFixtureError(j, 'losses[1].name', /also the name of losses\[0\]/);
  });

  it('names the file when given a source', () => {
    const j = referenceJson();
    j.cells[1].params.W_hf = zeros(5, 4);
    expect(() => parseFixture(j, 'ref.json')).toThrow(/^fixture ref\.json: cells\[1\]\.params\.W_hf: shape \[5, 4\]/);
    try {
      parseFixture(j, 'ref.json');
    } catch (e) {
      expect((e as FixtureError).path).toBe('ref.json');
    }
  });

  it('rejects non-objects and files with no cases', () => {
    expectFixtureError([], '(top level)', /an array of 0 is not a JSON object/);
    expectFixtureError({ format: 'recurrent-reference/1' }, '(top level)', /no cases/);
    expectFixtureError({ format: 'recurrent-reference/1', cells: {} }, 'cells', /not an array of cases/);
  });
});

describe('parseFixture: other files in the format', () => {
  it('parses a synthetic fixture with other sizes, missing sections and unknown top-level fields', () => {
    const json = {
      format: 'recurrent-reference/1',
      somethingNew: { anything: true },
      cells: [
        { ...syntheticCell('simple_rnn', 1, 1, 2, 3), seed: 7 },
        syntheticCell('lstm', 1, 1, 2, 3),
        syntheticCell('gru', 3, 2, 1, 1),
        syntheticCell('gru_reset_before', 1, 7, 4, 2),
      ],
      training: null,
    };
    const f: Fixture = parseFixture(json);
    expect(f.cells).toHaveLength(4);
    expect(f.losses).toEqual([]);
    expect(f.optimizers).toEqual([]);
    expect(f.training).toEqual([]);
    expect(f.generator).toBeUndefined();
    expect(f.cells[0].params.W_h.shape).toEqual([3, 3]);
    expect(f.cells[0].inputs.x.shape).toEqual([1, 1, 2]);
    expect(f.cells[1].outputs.cT.shape).toEqual([1, 3]);
    expect('seed' in f.cells[0]).toBe(false);
    expect(f.cells.every((c) => c.recurrentActivation === undefined)).toBe(true);
  });

  it('rejects a field of a cell or training case it does not know (it could change what the case computes)', () => {
    const cell = { ...syntheticCell('lstm', 1, 1, 2, 3), extra: 'x' };
    expectFixtureError({ format: 'recurrent-reference/1', cells: [cell] }, 'cells[0].extra', /not a field of a cell case/);
    const training = { ...JSON.parse(readFileSync(findReferenceFixture(), 'utf8')).training[0], gateActivation: 'relu' };
    expectFixtureError({ format: 'recurrent-reference/1', training: [training] }, 'training[0].gateActivation', /not a field of a training case/);
  });

  it('reads recurrentActivation by its file name, and refuses other values and a simple_rnn with one', () => {
    const cells = [
      { ...syntheticCell('lstm', 1, 1, 2, 3), recurrentActivation: 'hard_sigmoid_keras2' },
      { ...syntheticCell('gru', 1, 1, 2, 3), recurrentActivation: 'hard_sigmoid_keras3' },
      { ...syntheticCell('gru_reset_before', 1, 1, 2, 3), recurrentActivation: 'sigmoid' },
    ];
    const f = parseFixture({ format: 'recurrent-reference/1', cells });
    expect(f.cells.map((c) => c.recurrentActivation)).toEqual(['hardSigmoidKeras2', 'hardSigmoidKeras3', 'sigmoid']);
    for (const bad of ['hard_sigmoid', 'hardSigmoid', 'hardSigmoidKeras2', 3])
      expectFixtureError({ format: 'recurrent-reference/1', cells: [{ ...cells[0], recurrentActivation: bad }] }, 'cells[0].recurrentActivation', /is not one of sigmoid, hard_sigmoid_keras2, hard_sigmoid_keras3/);
    expectFixtureError(
      { format: 'recurrent-reference/1', cells: [{ ...syntheticCell('simple_rnn', 1, 1, 2, 3), recurrentActivation: 'hard_sigmoid_keras2' }] },
      'cells[0].recurrentActivation',
      /has no gates/,
    );
  });

  it('a synthetic loss, optimizer and clipping case', () => {
    const f = parseFixture({
      format: 'recurrent-reference/1',
      losses: [
        { name: 'sparse_categorical_crossentropy_from_logits', pred: zeros(2, 3), target: { shape: [2], data: [0, 2] }, value: 1.1, grad: zeros(2, 3) },
      ],
      optimizers: [
        { name: 'sgd', options: { lr: 0.5, nesterov: false }, p0: zeros(2, 2), grads: [zeros(2, 2)], after_each_step: [zeros(2, 2)] },
        { name: 'clip', options: { max_norm: 2 }, grads: [zeros(1), zeros(4, 1)], norm_before: 0, clipped: [zeros(1), zeros(4, 1)] },
      ],
    });
    expect(f.losses[0].target.data).toEqual(new Float64Array([0, 2]));
    expect(f.optimizers.map((o) => o.kind)).toEqual(['update', 'clip']);
    expect(f.optimizers[0].p0?.shape).toEqual([2, 2]);
  });
});

describe('loadFixtureFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-fixture-'));

  it('a missing file is a FixtureError naming the file', async () => {
    await expect(loadFixtureFile('/nonexistent/ref.json')).rejects.toThrow(FixtureError);
    await expect(loadFixtureFile('/nonexistent/ref.json')).rejects.toThrow(/^fixture \/nonexistent\/ref\.json: no such file/);
  });

  it('invalid JSON carries the parser message', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{"format": "recurrent-reference/1", ');
    await expect(loadFixtureFile(p)).rejects.toThrow(/^fixture .*bad\.json: invalid JSON: /);
  });

  it('a format problem names the file and the location', async () => {
    const p = join(dir, 'wrong.json');
    const j = referenceJson();
    j.cells[0].batch = 0;
    writeFileSync(p, JSON.stringify(j));
    await expect(loadFixtureFile(p)).rejects.toThrow(/^fixture .*wrong\.json: cells\[0\]\.batch: 0 is not a positive integer$/);
  });
});

describe('compare', () => {
  it('uses allclose semantics per element', () => {
    const c = compare('y', [1, 2.0001, 0], [1, 2, 0], 1e-5, 1e-4);
    expect(c.pass).toBe(true);
    expect(c.maxAbs).toBeCloseTo(1e-4, 10);
    expect(c.maxRel).toBeCloseTo(5e-5, 10);
    expect(c.worstIndex).toBe(1);
    const d = compare('y', new Float32Array([1, 2.01, 3]), new Float64Array([1, 2, 3]), 1e-5, 1e-4);
    expect(d.pass).toBe(false);
    expect(d.worstIndex).toBe(1);
  });

  it('fails on NaN, unequal infinities and length mismatch', () => {
    const n = compare('g', [0, NaN, 5], [0, 1, 0], 1, 1);
    expect(n.pass).toBe(false);
    expect(n.maxAbs).toBeNaN();
    expect(n.worstIndex).toBe(1);
    expect(compare('g', [Infinity], [Infinity], 0, 0).pass).toBe(true);
    expect(compare('g', [1], [Infinity], 0, 1).pass).toBe(false);
    const l = compare('g', [1, 2], [1, 2, 3], 1, 1);
    expect(l.pass).toBe(false);
    expect(l.quantity).toBe('g (length 2, wanted 3)');
    expect(l.worstIndex).toBe(-1);
    expect(compare('e', [], [], 0, 0)).toMatchObject({ pass: true, worstIndex: -1, maxAbs: 0 });
  });

  it('reports relative error as Infinity where want is 0', () => {
    expect(compare('z', [1e-9], [0], 1e-8, 0)).toMatchObject({ pass: true, maxRel: Infinity });
  });
});

describe('damaged reference files (seeded mutations)', () => {
  it('150 mutations of each reference file: parsed, or a FixtureError; a case with a key it does not know is never run', async () => {
    const { describeMutations, mutateJson, untypedError } = await import('../src/testing/index.js');
    const failures: string[] = [];
    let parsed = 0;
    for (const file of findReferenceFixtures()) {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      for (let seed = 1; seed <= 150; seed++) {
        const m = mutateJson(json, seed);
        try {
          const f = parseFixture(m.value);
          parsed++;
          const unknownKey = m.mutations.find((x) => /^(cells|training)\.\d+$/.test(x.path) && /unknown key '(unexpected|constructor|toString)'/.test(x.what));
          if (unknownKey) failures.push(`${file} ${describeMutations(seed, m.mutations)}: parsed a case with a key it does not know`);
          for (const c of f.cells) if (![undefined, 'sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3'].includes(c.recurrentActivation)) failures.push(`${file} seed ${seed}: recurrentActivation ${c.recurrentActivation}`);
        } catch (e) {
          const bad = untypedError('parse', e);
          if (bad) failures.push(`${file} ${describeMutations(seed, m.mutations)}: ${bad}`);
          else expect(e).toBeInstanceOf(FixtureError);
        }
      }
    }
    expect(failures.slice(0, 20).join('\n')).toBe('');
    expect(parsed).toBeGreaterThan(10); // both ends ran
  });

  it('every case of every section of each reference file, given a key the reader does not know, is refused', () => {
    const accepted: string[] = [];
    for (const file of findReferenceFixtures()) {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      for (const [section, cases] of Object.entries(json))
        if (Array.isArray(cases))
          for (let i = 0; i < cases.length; i++) {
            const copy = { ...json, [section]: [{ ...cases[i], gateActivation: 'relu' }] };
            try {
              parseFixture(copy);
              accepted.push(`${file}: ${section}[${i}]`);
            } catch (e) {
              expect(e).toBeInstanceOf(FixtureError);
            }
          }
    }
    expect(accepted).toEqual([]);
  });
});
