/**
 * A strict reader for `recurrent-reference/1` fixture files (see the fixtures README): values
 * computed by PyTorch in float64 that every backend is checked against.
 *
 * The reader is generic: any file in the format works, whatever its sizes, seeds and number of
 * cases. It checks everything a runner relies on before a single kernel runs, so a bad file
 * fails with one FixtureError naming the place (`cells[1].params.W_hf: ...`) instead of an
 * obscure shape error or a silent pass later:
 *  - `format` is `recurrent-reference/1`;
 *  - every tensor is `{shape, data}` with `data.length` = product of `shape`, all finite numbers;
 *  - every cell / training tensor has exactly the shape its cell, batch, steps, inputSize and
 *    units imply, and the tensor maps hold exactly the names the cell needs (a stray tensor
 *    usually means a mislabelled cell, so it is an error, not ignored);
 *  - a loss's target and grad match its pred (a sparse loss, named `sparse...`: integer labels
 *    in [0, classes) shaped like pred without the class axis); `reduction`, if given, is 'mean';
 *  - optimizer cases have one `after_each_step` per gradient (or one `clipped` per gradient and
 *    `options.max_norm` > 0), all shaped alike; names are unique within a section.
 *
 *  - a cell or training case has no field this reader does not know: such a field may change
 *    what the case computes (as `recurrentActivation` does), and a reader that skipped it would
 *    run the case with the wrong function. Descriptive fields it knows (`seed`, a training
 *    case's `model`) are read past and not copied into the result.
 *
 * Leniency, on purpose: a missing (or null) section is an empty section, so a file with only
 * `cells` is fine; but a file with no case at all is an error, because it would pass vacuously
 * (a misspelt section name is the usual cause). Top-level fields it does not know (`torch`, ...)
 * are ignored and not copied into the result.
 *
 * Browser-safe: no Node imports here. `loadFixtureFile` (node:fs) is in fixture-file.ts.
 */
import { GATE_ORDER } from '../cells/facts.js';
import { FixtureError, fmtShape } from '../errors.js';
import type { RecurrentActivation } from '../recurrent-activation.js';

export const FIXTURE_FORMAT = 'recurrent-reference/1';

export type CellType = 'simple_rnn' | 'lstm' | 'gru' | 'gru_reset_before';

/** Gate suffixes of each cell's per-gate parameters (`W_x<g>`, `W_h<g>`, `b_x<g>`, `b_h<g>`). */
export const CELL_GATES: { readonly [C in CellType]: readonly string[] } = {
  simple_rnn: GATE_ORDER.simpleRnn,
  lstm: GATE_ORDER.lstm,
  gru: GATE_ORDER.gru,
  gru_reset_before: GATE_ORDER.gru,
};

const CELL_TYPES = Object.keys(CELL_GATES) as CellType[];

/**
 * A cell case's optional `recurrentActivation` (the function of the gates the equations write
 * `sig`; absent: the logistic sigmoid), by its name in the file.
 */
export const FIXTURE_RECURRENT_ACTIVATIONS: { readonly [name: string]: RecurrentActivation } = {
  sigmoid: 'sigmoid',
  hard_sigmoid_keras2: 'hardSigmoidKeras2',
  hard_sigmoid_keras3: 'hardSigmoidKeras3',
};

/** A float64 tensor, row-major, batch-first. Integer tensors (labels) hold integer values. */
export interface TensorData {
  shape: number[];
  data: Float64Array;
}

/** Tensors by name: a cell's parameters, inputs, outputs or gradients. */
export type TensorMap = Record<string, TensorData>;

/** One recurrent layer run forward and backward over a sequence. */
export interface CellCase {
  name: string;
  cell: CellType;
  /** B */
  batch: number;
  /** T */
  steps: number;
  /** D */
  inputSize: number;
  /** H */
  units: number;
  /** `W_x<g>` [D,H], `W_h<g>` [H,H], `b_x<g>` [H], `b_h<g>` [H] for each gate g of the cell. */
  params: TensorMap;
  /** `x` [B,T,D], `h0` [B,H], `dy` [B,T,H], `dhT` [B,H]; lstm also `c0`, `dcT` [B,H]. */
  inputs: TensorMap;
  /** `y` [B,T,H], `hT` [B,H]; lstm also `cT` [B,H]. */
  outputs: TensorMap;
  /** dL/d(each param), `x`, `h0` (lstm: `c0`) for L = sum(y*dy) + sum(hT*dhT) (+ sum(cT*dcT)). */
  grads: TensorMap;
  /** How far torch.nn's module was from the explicit unroll, when the generator checked it. */
  nnModuleMaxDiff?: number | null;
  /** The gates' function (the file's `recurrentActivation`, see FIXTURE_RECURRENT_ACTIVATIONS); absent: sigmoid. */
  recurrentActivation?: RecurrentActivation;
}

export interface LossCase {
  /** The loss: `mse`, `mae`, `binary_crossentropy`, ..., `sparse_categorical_crossentropy_from_logits`, ... */
  name: string;
  pred: TensorData;
  /** Same shape as `pred`; for a sparse loss, `pred`'s shape without the class axis, integer labels. */
  target: TensorData;
  /** Mean over every prediction row. */
  value: number;
  /** d(value)/d(pred), shape of `pred`. */
  grad: TensorData;
}

/** Optimizer options under their PyTorch names (`lr`, `betas`, `momentum`, `nesterov`, ...). */
export type OptimizerOptions = Record<string, number | boolean | number[]>;

/** PyTorch optimizer steps: `p0`, one gradient per step, the parameter after each step. */
export interface OptimizerUpdateCase {
  kind: 'update';
  name: string;
  /** The PyTorch class, e.g. `Adam`. */
  torch?: string;
  options: OptimizerOptions;
  p0: TensorData;
  /** One gradient per step, each shaped like `p0`. */
  grads: TensorData[];
  /** The parameter after each step; as many as `grads`. */
  after_each_step: TensorData[];
  norm_before?: undefined;
  clipped?: undefined;
}

/** Clipping by global norm: gradients, their global norm, the clipped gradients for `options.max_norm`. */
export interface ClipCase {
  kind: 'clip';
  name: string;
  torch?: string;
  /** Has `max_norm`, a positive number. */
  options: OptimizerOptions & { max_norm: number };
  grads: TensorData[];
  norm_before: number;
  /** As many as `grads`, each shaped like its gradient. */
  clipped: TensorData[];
  p0?: undefined;
  after_each_step?: undefined;
}

/** `kind` (or the presence of `p0`) tells the two apart. */
export type OptimizerCase = OptimizerUpdateCase | ClipCase;

/** The training run's optimizer: a name and numbers (`lr`, `beta1`, `beta2`, `eps`, ...). */
export interface TrainingOptimizer {
  name: string;
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  [option: string]: string | number | undefined;
}

/** A short full-batch training run: cell -> last hidden -> dense [H,1] logit -> BCE from logits. */
export interface TrainingCase {
  name: string;
  cell: CellType;
  batch: number;
  steps: number;
  inputSize: number;
  units: number;
  optimizer: TrainingOptimizer;
  trainSteps: number;
  /** [B,T,D] */
  x: TensorData;
  /** [B,1] */
  y: TensorData;
  /** The cell's parameters plus `dense.W` [H,1] and `dense.b` [1]. */
  initialParams: TensorMap;
  /** `trainSteps` values. */
  lossBeforeEachStep: number[];
  /** Same names and shapes as `initialParams`. */
  finalParams: TensorMap;
}

export interface Fixture {
  format: typeof FIXTURE_FORMAT;
  /** Where the values came from (PyTorch version, dtype). */
  generator?: string;
  /** The file (or other origin) it was read from, when the caller said. */
  source?: string;
  /** The cell equations as text, by cell type. */
  equations?: Record<string, string>;
  cells: CellCase[];
  losses: LossCase[];
  optimizers: OptimizerCase[];
  training: TrainingCase[];
}

// ---- the reader ----------------------------------------------------------------------------

type Dim = 'batch' | 'steps' | 'inputSize' | 'units' | number;
type Dims = { batch: number; steps: number; inputSize: number; units: number };
type ShapeSpec = readonly Dim[];
type SpecMap = Record<string, ShapeSpec>;

const B = 'batch',
  T = 'steps',
  D = 'inputSize',
  H = 'units';

function paramSpecs(cell: CellType): SpecMap {
  const out: SpecMap = {};
  for (const g of CELL_GATES[cell]) {
    out[`W_x${g}`] = [D, H];
    out[`W_h${g}`] = [H, H];
    out[`b_x${g}`] = [H];
    out[`b_h${g}`] = [H];
  }
  return out;
}

function cellSpecs(cell: CellType): { params: SpecMap; inputs: SpecMap; outputs: SpecMap; grads: SpecMap } {
  const lstm = cell === 'lstm';
  const params = paramSpecs(cell);
  return {
    params,
    inputs: { x: [B, T, D], h0: [B, H], ...(lstm ? { c0: [B, H] } : {}), dy: [B, T, H], dhT: [B, H], ...(lstm ? { dcT: [B, H] } : {}) },
    outputs: { y: [B, T, H], hT: [B, H], ...(lstm ? { cT: [B, H] } : {}) },
    grads: { ...params, x: [B, T, D], h0: [B, H], ...(lstm ? { c0: [B, H] } : {}) },
  };
}

/** Every field a case may have; any other is an error (see the top of this file). */
const CELL_FIELDS = ['name', 'cell', 'batch', 'steps', 'inputSize', 'units', 'seed', 'nnModuleMaxDiff', 'recurrentActivation', 'params', 'inputs', 'outputs', 'grads'];
const LOSS_FIELDS = ['name', 'reduction', 'pred', 'target', 'value', 'grad'];
/** Optimizer steps and clipping cases share a section; their options are checked by the optimizer (fromPyTorch), which refuses one it does not know. */
const OPTIMIZER_FIELDS = ['name', 'torch', 'options', 'p0', 'grads', 'after_each_step', 'norm_before', 'clipped'];
const TRAINING_FIELDS = ['name', 'cell', 'batch', 'steps', 'inputSize', 'units', 'seed', 'model', 'optimizer', 'trainSteps', 'x', 'y', 'initialParams', 'lossBeforeEachStep', 'finalParams'];

const trainingParamSpecs = (cell: CellType): SpecMap => ({ ...paramSpecs(cell), 'dense.W': [H, 1], 'dense.b': [1] });

/** A short description of a JSON value for messages: `'foo'`, `3.5`, `null`, `an array`. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `an ${typeof v}`;
}

/** `path.key`, or `path["key"]` when the key is not an identifier (`initialParams["dense.W"]`). */
const at = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/** 'an lstm', 'a gru'. */
const aCell = (cell: CellType): string => `${cell === 'lstm' ? 'an' : 'a'} ${cell}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

class Reader {
  constructor(private readonly source: string | undefined) {}

  /** With a source, FixtureError's path is the file and the JSON location leads the message. */
  fail(path: string, message: string): never {
    throw this.source === undefined ? new FixtureError(path, message) : new FixtureError(this.source, `${path}: ${message}`);
  }

  object(v: unknown, path: string, what = 'an object'): Record<string, unknown> {
    if (!isObject(v)) this.fail(path, v === undefined ? `missing (wanted ${what})` : `${show(v)} is not ${what}`);
    return v;
  }

  string(obj: Record<string, unknown>, key: string, path: string): string {
    const v = obj[key];
    if (typeof v !== 'string' || v === '')
      this.fail(`${path}.${key}`, v === undefined ? 'missing (wanted a non-empty string)' : `${show(v)} is not a non-empty string`);
    return v;
  }

  optionalString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    return obj[key] === undefined || obj[key] === null ? undefined : this.string(obj, key, path);
  }

  number(obj: Record<string, unknown>, key: string, path: string): number {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(`${path}.${key}`, v === undefined ? 'missing (wanted a finite number)' : `${show(v)} is not a finite number`);
    return v;
  }

  posInt(obj: Record<string, unknown>, key: string, path: string): number {
    const v = obj[key];
    if (!isPosInt(v))
      this.fail(`${path}.${key}`, v === undefined ? 'missing (wanted a positive integer)' : `${show(v)} is not a positive integer`);
    return v;
  }

  cell(obj: Record<string, unknown>, path: string): CellType {
    const v = obj.cell;
    if (!CELL_TYPES.includes(v as CellType))
      this.fail(
        `${path}.cell`,
        `${v === undefined ? 'missing' : `${show(v)} is not a known cell`} (wanted one of ${CELL_TYPES.join(', ')})`,
      );
    return v as CellType;
  }

  dims(obj: Record<string, unknown>, path: string): Dims {
    return {
      batch: this.posInt(obj, 'batch', path),
      steps: this.posInt(obj, 'steps', path),
      inputSize: this.posInt(obj, 'inputSize', path),
      units: this.posInt(obj, 'units', path),
    };
  }

  /** `{shape, data}`: non-negative integer dims, data.length = product(shape), finite numbers. */
  tensor(v: unknown, path: string): TensorData {
    const t = this.object(v, path, 'a tensor {"shape": [...], "data": [...]}');
    const shape = t.shape;
    if (!Array.isArray(shape)) this.fail(`${path}.shape`, `${shape === undefined ? 'missing' : `${show(shape)} is not an array`} (wanted [dims...])`);
    shape.forEach((d, i) => {
      if (!Number.isInteger(d) || d < 0) this.fail(`${path}.shape[${i}]`, `${show(d)} is not a non-negative integer`);
    });
    const raw = t.data;
    if (!Array.isArray(raw))
      this.fail(`${path}.data`, `${raw === undefined ? 'missing' : `${show(raw)} is not an array`} (wanted a flat row-major array of numbers)`);
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (raw.length !== size) this.fail(`${path}.data`, `${raw.length} values for shape ${fmtShape(shape)} (${size} wanted)`);
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const x = raw[i];
      if (typeof x !== 'number' || !Number.isFinite(x))
        this.fail(`${path}.data[${i}]`, `${show(x)}${typeof x === 'string' ? ' (a string)' : ''} is not a finite number`);
      data[i] = x;
    }
    return { shape: [...(shape as number[])], data };
  }

  /** A tensor whose shape must be `spec` (symbolic dims resolved against `dims`). */
  shaped(v: unknown, path: string, spec: ShapeSpec, dims: Dims): TensorData {
    const t = this.tensor(v, path);
    const want = spec.map((d) => (typeof d === 'number' ? d : dims[d]));
    const symbolic = `[${spec.join(', ')}] = ${fmtShape(want)}`;
    if (t.shape.length !== want.length)
      this.fail(path, `shape ${fmtShape(t.shape)} has ${t.shape.length} dimension${t.shape.length === 1 ? '' : 's'} (${symbolic} wanted)`);
    const off = new Set<string>();
    let literalOff = false;
    spec.forEach((d, i) => {
      if (t.shape[i] === want[i]) return;
      if (typeof d === 'number') literalOff = true;
      else off.add(`${d} ${dims[d]}`);
    });
    if (off.size > 0) this.fail(path, `shape ${fmtShape(t.shape)} does not match ${[...off].join(', ')} (${symbolic} wanted)`);
    if (literalOff) this.fail(path, `shape ${fmtShape(t.shape)} is not ${symbolic}`);
    return t;
  }

  /** Exactly the names in `specs`, each with its shape. `who` says whose names they are. */
  tensorMap(v: unknown, path: string, specs: SpecMap, dims: Dims, who: string): TensorMap {
    const obj = this.object(v, path, 'an object of tensors');
    const names = Object.keys(specs);
    const out: TensorMap = {};
    for (const name of names) {
      if (obj[name] === undefined) {
        const spec = specs[name];
        const want = spec.map((d) => (typeof d === 'number' ? d : dims[d]));
        this.fail(at(path, name), `missing (${who} needs ${name} [${spec.join(', ')}] = ${fmtShape(want)})`);
      }
      out[name] = this.shaped(obj[name], at(path, name), specs[name], dims);
    }
    for (const name of Object.keys(obj))
      if (!Object.hasOwn(specs, name)) this.fail(at(path, name), `not a tensor of ${who} (wanted exactly ${names.join(', ')})`);
    return out;
  }

  array(obj: Record<string, unknown>, key: string, path: string, what: string): unknown[] {
    const v = obj[key];
    if (!Array.isArray(v)) this.fail(`${path}.${key}`, `${v === undefined ? 'missing' : `${show(v)} is not an array`} (wanted ${what})`);
    return v;
  }

  tensorList(obj: Record<string, unknown>, key: string, path: string): TensorData[] {
    const list = this.array(obj, key, path, 'a non-empty array of tensors');
    if (list.length === 0) this.fail(`${path}.${key}`, 'is empty (wanted at least one tensor)');
    return list.map((t, i) => this.tensor(t, `${path}.${key}[${i}]`));
  }

  sameShape(t: TensorData, path: string, like: TensorData, likePath: string): void {
    if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i]))
      this.fail(path, `shape ${fmtShape(t.shape)} is not the shape of ${likePath} ${fmtShape(like.shape)}`);
  }

  /** A section: missing or null is empty; otherwise an array of objects with unique names. */
  section<C extends { name: string }>(
    root: Record<string, unknown>,
    key: string,
    read: (c: Record<string, unknown>, path: string) => C,
  ): C[] {
    const v = root[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(key, `${show(v)} is not an array of cases`);
    const seen = new Map<string, number>();
    return v.map((raw, i) => {
      const path = `${key}[${i}]`;
      const c = read(this.object(raw, path, 'a case object'), path);
      const first = seen.get(c.name);
      if (first !== undefined) this.fail(`${path}.name`, `'${c.name}' is also the name of ${key}[${first}] (names must be unique)`);
      seen.set(c.name, i);
      return c;
    });
  }

  /** Fails on the first field of `c` not in `known`. */
  onlyKnown(c: Record<string, unknown>, path: string, known: readonly string[], what: string): void {
    for (const k of Object.keys(c))
      if (!known.includes(k))
        this.fail(at(path, k), `not a field of ${what} in ${FIXTURE_FORMAT} (known: ${known.join(', ')}); a reader that ignored it could run the case wrongly`);
  }

  recurrentActivation(c: Record<string, unknown>, path: string): RecurrentActivation | undefined {
    const v = c.recurrentActivation;
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !Object.hasOwn(FIXTURE_RECURRENT_ACTIVATIONS, v))
      this.fail(`${path}.recurrentActivation`, `${show(v)} is not one of ${Object.keys(FIXTURE_RECURRENT_ACTIVATIONS).join(', ')}`);
    return FIXTURE_RECURRENT_ACTIVATIONS[v];
  }

  // ---- sections ------------------------------------------------------------------------

  cellCase = (c: Record<string, unknown>, path: string): CellCase => {
    this.onlyKnown(c, path, CELL_FIELDS, 'a cell case');
    const name = this.string(c, 'name', path);
    const cell = this.cell(c, path);
    const dims = this.dims(c, path);
    const specs = cellSpecs(cell);
    const out: CellCase = {
      name,
      cell,
      ...dims,
      params: this.tensorMap(c.params, `${path}.params`, specs.params, dims, `${aCell(cell)} cell`),
      inputs: this.tensorMap(c.inputs, `${path}.inputs`, specs.inputs, dims, `${aCell(cell)} case`),
      outputs: this.tensorMap(c.outputs, `${path}.outputs`, specs.outputs, dims, `${aCell(cell)} case`),
      grads: this.tensorMap(c.grads, `${path}.grads`, specs.grads, dims, `${aCell(cell)} case`),
    };
    const diff = c.nnModuleMaxDiff;
    if (diff === null) out.nnModuleMaxDiff = null;
    else if (diff !== undefined) out.nnModuleMaxDiff = this.number(c, 'nnModuleMaxDiff', path);
    const act = this.recurrentActivation(c, path);
    if (act !== undefined && cell === 'simple_rnn') this.fail(`${path}.recurrentActivation`, 'a simple_rnn has no gates (remove the field)');
    if (act !== undefined) out.recurrentActivation = act;
    return out;
  };

  lossCase = (c: Record<string, unknown>, path: string): LossCase => {
    this.onlyKnown(c, path, LOSS_FIELDS, 'a loss case');
    const name = this.string(c, 'name', path);
    const reduction = c.reduction;
    if (reduction !== undefined && reduction !== 'mean')
      this.fail(`${path}.reduction`, `${show(reduction)} is not 'mean' (the only reduction in recurrent-reference/1)`);
    const pred = this.tensor(c.pred, `${path}.pred`);
    if (pred.shape.length === 0) this.fail(`${path}.pred`, 'is a scalar (wanted rows of predictions, at least [N, K])');
    const target = this.tensor(c.target, `${path}.target`);
    if (name.startsWith('sparse')) {
      // Labels: pred's shape without the class axis, integers in [0, classes).
      const classes = pred.shape[pred.shape.length - 1];
      const want = pred.shape.slice(0, -1);
      if (pred.shape.length < 2) this.fail(`${path}.pred`, `shape ${fmtShape(pred.shape)} has no class axis (a sparse loss wants [..., classes])`);
      if (target.shape.length !== want.length || target.shape.some((d, i) => d !== want[i]))
        this.fail(`${path}.target`, `shape ${fmtShape(target.shape)} is not pred's shape without the class axis ${fmtShape(want)} (labels of a sparse loss)`);
      target.data.forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0 || v >= classes)
          this.fail(`${path}.target.data[${i}]`, `${v} is not an integer class label in [0, ${classes}) (${name} takes class indices)`);
      });
    } else this.sameShape(target, `${path}.target`, pred, 'pred');
    const value = this.number(c, 'value', path);
    const grad = this.tensor(c.grad, `${path}.grad`);
    this.sameShape(grad, `${path}.grad`, pred, 'pred');
    return { name, pred, target, value, grad };
  };

  options(c: Record<string, unknown>, path: string): OptimizerOptions {
    const o = this.object(c.options, `${path}.options`, 'an object of options');
    const out: OptimizerOptions = {};
    for (const [k, v] of Object.entries(o)) {
      const where = at(`${path}.options`, k);
      if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))) out[k] = [...(v as number[])];
      else this.fail(where, `${show(v)} is not a finite number, a boolean or an array of finite numbers`);
    }
    const betas = out.betas;
    if (betas !== undefined && !(Array.isArray(betas) && betas.length === 2))
      this.fail(`${path}.options.betas`, `${show(betas)} is not a pair [beta1, beta2]`);
    for (const k of ['nesterov', 'amsgrad', 'centered', 'maximize'])
      if (out[k] !== undefined && typeof out[k] !== 'boolean') this.fail(`${path}.options.${k}`, `${show(out[k])} is not a boolean`);
    for (const k of ['lr', 'momentum', 'eps', 'weight_decay', 'initial_accumulator_value', 'alpha', 'dampening', 'max_norm'])
      if (out[k] !== undefined && typeof out[k] !== 'number') this.fail(`${path}.options.${k}`, `${show(out[k])} is not a number`);
    return out;
  }

  optimizerCase = (c: Record<string, unknown>, path: string): OptimizerCase => {
    this.onlyKnown(c, path, OPTIMIZER_FIELDS, 'an optimizer case');
    const name = this.string(c, 'name', path);
    const torch = this.optionalString(c, 'torch', path);
    const options = this.options(c, path);
    const isUpdate = c.p0 !== undefined || c.after_each_step !== undefined;
    const isClip = c.norm_before !== undefined || c.clipped !== undefined;
    if (isUpdate === isClip)
      this.fail(
        path,
        `${isUpdate ? 'has both' : 'has neither'} p0 + grads + after_each_step (optimizer steps) ${isUpdate ? 'and' : 'nor'} ` +
          `grads + norm_before + clipped (clipping by global norm)`,
      );
    const grads = this.tensorList(c, 'grads', path);
    if (isUpdate) {
      const p0 = this.tensor(c.p0, `${path}.p0`);
      grads.forEach((g, i) => this.sameShape(g, `${path}.grads[${i}]`, p0, 'p0'));
      const after = this.tensorList(c, 'after_each_step', path);
      if (after.length !== grads.length)
        this.fail(`${path}.after_each_step`, `${after.length} tensors for ${grads.length} gradients (one per step wanted)`);
      after.forEach((p, i) => this.sameShape(p, `${path}.after_each_step[${i}]`, p0, 'p0'));
      return { kind: 'update', name, ...(torch !== undefined ? { torch } : {}), options, p0, grads, after_each_step: after };
    }
    const maxNorm = options.max_norm;
    if (typeof maxNorm !== 'number' || !(maxNorm > 0))
      this.fail(`${path}.options.max_norm`, `${maxNorm === undefined ? 'missing' : `${show(maxNorm)} is not positive`} (a clipping case needs max_norm > 0)`);
    const normBefore = this.number(c, 'norm_before', path);
    if (normBefore < 0) this.fail(`${path}.norm_before`, `${normBefore} is negative (a norm wanted)`);
    const clipped = this.tensorList(c, 'clipped', path);
    if (clipped.length !== grads.length)
      this.fail(`${path}.clipped`, `${clipped.length} tensors for ${grads.length} gradients (one per gradient wanted)`);
    clipped.forEach((t, i) => this.sameShape(t, `${path}.clipped[${i}]`, grads[i], `grads[${i}]`));
    return {
      kind: 'clip',
      name,
      ...(torch !== undefined ? { torch } : {}),
      options: { ...options, max_norm: maxNorm },
      grads,
      norm_before: normBefore,
      clipped,
    };
  };

  trainingCase = (c: Record<string, unknown>, path: string): TrainingCase => {
    this.onlyKnown(c, path, TRAINING_FIELDS, 'a training case');
    const name = this.string(c, 'name', path);
    const cell = this.cell(c, path);
    const dims = this.dims(c, path);
    const o = this.object(c.optimizer, `${path}.optimizer`, 'an object {name, lr, ...}');
    const optimizer: TrainingOptimizer = { name: this.string(o, 'name', `${path}.optimizer`), lr: this.number(o, 'lr', `${path}.optimizer`) };
    for (const k of Object.keys(o)) if (k !== 'name') optimizer[k] = this.number(o, k, `${path}.optimizer`);
    const trainSteps = this.posInt(c, 'trainSteps', path);
    const specs = trainingParamSpecs(cell);
    const who = `${aCell(cell)} layer + dense`;
    const x = this.shaped(c.x, `${path}.x`, [B, T, D], dims);
    const y = this.shaped(c.y, `${path}.y`, [B, 1], dims);
    const initialParams = this.tensorMap(c.initialParams, `${path}.initialParams`, specs, dims, who);
    const losses = this.array(c, 'lossBeforeEachStep', path, `${trainSteps} numbers`);
    if (losses.length !== trainSteps)
      this.fail(`${path}.lossBeforeEachStep`, `${losses.length} values for trainSteps ${trainSteps} (one per step wanted)`);
    const lossBeforeEachStep = losses.map((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.lossBeforeEachStep[${i}]`, `${show(v)} is not a finite number`);
      return v;
    });
    const finalParams = this.tensorMap(c.finalParams, `${path}.finalParams`, specs, dims, who);
    return { name, cell, ...dims, optimizer, trainSteps, x, y, initialParams, lossBeforeEachStep, finalParams };
  };

  fixture(json: unknown): Fixture {
    const root = this.object(json, '(top level)', 'a JSON object');
    if (root.format !== FIXTURE_FORMAT)
      this.fail(
        'format',
        root.format === undefined ? `missing (wanted '${FIXTURE_FORMAT}')` : `${show(root.format)} is not '${FIXTURE_FORMAT}'`,
      );
    const fixture: Fixture = {
      format: FIXTURE_FORMAT,
      cells: this.section(root, 'cells', this.cellCase),
      losses: this.section(root, 'losses', this.lossCase),
      optimizers: this.section(root, 'optimizers', this.optimizerCase),
      training: this.section(root, 'training', this.trainingCase),
    };
    const generator = this.optionalString(root, 'generator', '(top level)');
    if (generator !== undefined) fixture.generator = generator;
    if (this.source !== undefined) fixture.source = this.source;
    if (root.equations !== undefined && root.equations !== null) {
      const eq = this.object(root.equations, 'equations', 'an object of strings');
      for (const [k, v] of Object.entries(eq)) if (typeof v !== 'string') this.fail(`equations.${k}`, `${show(v)} is not a string`);
      fixture.equations = { ...(eq as Record<string, string>) };
    }
    const total = fixture.cells.length + fixture.losses.length + fixture.optimizers.length + fixture.training.length;
    if (total === 0)
      this.fail('(top level)', 'no cases: cells, losses, optimizers and training are all missing or empty (a misspelt section name?)');
    return fixture;
  }
}

/**
 * Reads and validates a `recurrent-reference/1` fixture (parsed JSON). Throws FixtureError on
 * the first problem, with a JSON-path-like location: `cells[1].params.W_hf: shape [5, 4] does not
 * match units 5 ([units, units] = [5, 5] wanted)`. With `source` (a file name), the error's
 * `path` is the source and the location starts its message: `fixture ref.json: cells[1]...`.
 */
export function parseFixture(json: unknown, source?: string): Fixture {
  return new Reader(source).fixture(json);
}
