/**
 * Saving and loading runs in the library's format. A playground file is one JSON document:
 *
 *   { "format": "recurrent-playground/2",
 *     "model": { "modelJson": {...}, "weights": "<base64>", "optimizer": "<base64>" },
 *     "playground": { "task", "seqLen", "batchSize", "step", "batches", "history", "savedAt" } }
 *
 * `model` is exactly what `model.save` writes (model.json, weights.bin, optimizer.bin; the
 * binaries in base64), so a playground file is a library model: write the three parts out and
 * `loadModel(dir)` reads it in Node. `playground` is what the library does not know: the task and
 * its sequence length, the batch size, the step count, the batch generator and the curves.
 *
 * Loading takes a playground file, or the files `model.save(dir)` wrote (model.json with
 * weights.bin and optionally optimizer.bin, chosen together). Everything is checked before a run
 * is returned: the model by the library's `loadModel` (format, shapes, sizes, CRCs, optimizer
 * settings), the playground part here (own properties only, values in the controls' ranges), and
 * the model against the playground's limits. A bad file is a ModelFormatError saying what is
 * wrong; nothing is applied, so the caller keeps its current run.
 */
import type { Backend, Engine, RngState } from '@recurrent/core';
import { io, type LayersModel, loadModel, type ModelArtifacts, ModelFormatError, SEQ2SEQ_LAYERS } from '@recurrent/models';
import { createTask, type RawData } from '../tasks/index.js';
import type { Task } from '../tasks/task.js';
import { MAX_WORD_LENGTH, MAX_WORDS } from '../tasks/text.js';
import type { Point } from '../ui/history.js';
import { modelConfigOf, trainConfigOf } from './build.js';
import { LIMITS, type ModelConfig, SEQ_LEN, TASK_IDS, type TaskId } from './config.js';
import { Run } from './run.js';

export const FILE_FORMAT = 'recurrent-playground/2';

/** Largest file the page reads (bytes): the biggest playground model (3 x 128 LSTM units, Adam) is about 2 MB. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Curve points kept from a file (the page keeps at most 6000 per run). */
const MAX_HISTORY = 12_000;

export interface PlaygroundMeta {
  task: TaskId;
  seqLen: number;
  batchSize: number;
  step: number;
  batches: RngState;
  history: Point[];
  savedAt?: string;
  /** The generation task's own words, when the user pasted them (else it trains on the name lists). */
  words?: string[];
}

export interface PlaygroundFile {
  format: typeof FILE_FORMAT;
  model: { modelJson: ModelArtifacts['modelJson']; weights: string; optimizer?: string };
  playground: PlaygroundMeta;
}

/** A file the user picked: its name and bytes. */
export interface PickedFile {
  name: string;
  bytes: Uint8Array;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: unknown, source: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new ModelFormatError(source, `${what} is missing or not a base64 string.`);
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new ModelFormatError(source, `${what} is not valid base64; the file is damaged.`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The run as a playground file (JSON text): the library's artifacts from `model.save`, and the playground's part. */
export async function saveRun(run: Run, history: Point[], words?: readonly string[]): Promise<string> {
  const h = io.memory();
  await run.model.save(h);
  const a = h.artifacts!;
  const file: PlaygroundFile = {
    format: FILE_FORMAT,
    model: { modelJson: a.modelJson, weights: toBase64(a.weights), ...(a.optimizer ? { optimizer: toBase64(a.optimizer) } : {}) },
    playground: {
      task: run.task.id as TaskId,
      seqLen: run.config.seqLen,
      batchSize: run.trainConfig.batchSize,
      step: run.step,
      batches: run.batchState,
      history,
      savedAt: new Date().toISOString(),
      ...(words && run.task.id === 'generate' ? { words: [...words] } : {}),
    },
  };
  return JSON.stringify(file);
}

const own = (o: object, k: string): unknown => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function int(source: string, o: object, key: string, lo: number, hi: number): number {
  const v = own(o, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ModelFormatError(source, `playground.${key} is ${show(v)}; wanted an integer in [${lo}, ${hi}].`);
  return v;
}

/** The playground part of a file, checked: own properties only, every value in the range its control allows. */
export function readMeta(source: string, raw: unknown): PlaygroundMeta {
  if (!isObject(raw)) throw new ModelFormatError(source, 'the "playground" part is missing or not an object.');
  const task = own(raw, 'task');
  if (typeof task !== 'string' || !(TASK_IDS as readonly string[]).includes(task))
    throw new ModelFormatError(source, `playground.task is ${show(task)}; wanted one of ${TASK_IDS.join(', ')}.`);
  const t = task as TaskId;
  const seqLen = int(source, raw, 'seqLen', SEQ_LEN[t].min, SEQ_LEN[t].max);
  const batchSize = int(source, raw, 'batchSize', LIMITS.batchSize.min, LIMITS.batchSize.max);
  const step = int(source, raw, 'step', 0, Number.MAX_SAFE_INTEGER);
  const b = own(raw, 'batches');
  const words = isObject(b) ? own(b, 's') : undefined;
  const spare = isObject(b) ? own(b, 'spare') : undefined;
  if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) || words.every((w) => w === 0))
    throw new ModelFormatError(source, 'playground.batches is not a batch-generator state (four unsigned 32-bit words, not all zero).');
  if (spare !== undefined && spare !== null && !(typeof spare === 'number' && Number.isFinite(spare)))
    throw new ModelFormatError(source, 'playground.batches.spare must be null or a finite number.');
  const h = own(raw, 'history');
  const history: Point[] = [];
  if (Array.isArray(h))
    for (const p of h.slice(-MAX_HISTORY)) {
      if (!isObject(p)) continue;
      const step = own(p, 'step');
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) continue;
      const q: Point = { step };
      for (const k of ['loss', 'metric', 'ms', 'valLoss', 'valMetric'] as const) {
        const v = own(p, k);
        if (typeof v === 'number' && !Number.isNaN(v)) q[k] = v;
      }
      history.push(q);
    }
  const savedAt = own(raw, 'savedAt');
  const w = own(raw, 'words');
  if (w !== undefined && (!Array.isArray(w) || w.length > MAX_WORDS || !w.every((x) => typeof x === 'string' && x.length <= MAX_WORD_LENGTH)))
    throw new ModelFormatError(source, `playground.words must be a list of at most ${MAX_WORDS} words of at most ${MAX_WORD_LENGTH} characters.`);
  if (w !== undefined && t !== 'generate') throw new ModelFormatError(source, `playground.words is for the generate task, not ${t}.`);
  return {
    ...(w !== undefined ? { words: [...(w as string[])] } : {}), task: t, seqLen, batchSize, step, batches: { s: words as RngState['s'], spare: (spare as number | null | undefined) ?? null }, history, savedAt: typeof savedAt === 'string' ? savedAt.slice(0, 40) : undefined };
}

/**
 * The model artifacts and (for a playground file) the playground part of the picked files.
 * Throws ModelFormatError for anything that is not one playground file or a model.json with its binaries.
 */
export function readPicked(files: readonly PickedFile[]): { source: string; artifacts: ModelArtifacts; meta?: PlaygroundMeta } {
  if (files.length === 0) throw new ModelFormatError('(no file)', 'no file was chosen.');
  const total = files.reduce((s, f) => s + f.bytes.byteLength, 0);
  const source = files.map((f) => f.name).join(' + ');
  if (total > MAX_FILE_BYTES) throw new ModelFormatError(source, `the files hold ${total} bytes, more than the ${MAX_FILE_BYTES}-byte limit; a playground model is a few MB at most.`);
  // The .json file; a single file is read as JSON whatever its name (a browser may save a download without the extension).
  const jsons = files.length === 1 ? [...files] : files.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length !== 1) throw new ModelFormatError(source, 'choose one .json file: a playground save, or model.json together with its weights.bin (and optimizer.bin).');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(jsons[0].bytes));
  } catch (e) {
    throw new ModelFormatError(jsons[0].name, `it is not valid JSON (${(e as Error).message.slice(0, 100)}).`);
  }
  if (!isObject(doc)) throw new ModelFormatError(jsons[0].name, 'it is not a JSON object, so not a model.');
  const format = own(doc, 'format');
  if (format === FILE_FORMAT) {
    if (files.length > 1) throw new ModelFormatError(source, 'a playground save is one file; choose it alone.');
    const m = own(doc, 'model');
    if (!isObject(m)) throw new ModelFormatError(source, 'the "model" part is missing or not an object.');
    const optimizer = own(m, 'optimizer');
    const artifacts: ModelArtifacts = {
      modelJson: own(m, 'modelJson') as ModelArtifacts['modelJson'],
      weights: fromBase64(own(m, 'weights'), source, 'model.weights'),
      ...(optimizer === undefined ? {} : { optimizer: fromBase64(optimizer, source, 'model.optimizer') }),
    };
    return { source, artifacts, meta: readMeta(source, own(doc, 'playground')) };
  }
  if (format === 'recurrent-playground/1')
    throw new ModelFormatError(source, 'it was saved by an older playground with its own network code; train it again and save it from this version.');
  if (format !== io.MODEL_FORMAT) throw new ModelFormatError(source, `its format is ${show(format)}; wanted ${FILE_FORMAT} (a playground save) or ${io.MODEL_FORMAT} (model.json from model.save).`);
  // A library model.json: its binaries are named by their manifests.
  const byName = (path: unknown, what: string, required: boolean): Uint8Array | undefined => {
    const base = typeof path === 'string' ? path.split('/').pop() : undefined;
    const f = files.find((x) => x.name === base);
    if (!f && required) throw new ModelFormatError(source, `model.json names ${show(path)} for its ${what}; choose that file together with model.json.`);
    return f?.bytes;
  };
  const w = own(doc, 'weights');
  const tr = own(doc, 'training');
  const o = isObject(tr) ? own(tr, 'optimizer') : undefined;
  const weights = byName(isObject(w) ? own(w, 'path') : undefined, 'weights', true)!;
  const optimizer = isObject(o) ? byName(own(o, 'path'), 'optimizer state', true) : undefined;
  return { source, artifacts: { modelJson: doc as ModelArtifacts['modelJson'], weights, ...(optimizer ? { optimizer } : {}) } };
}

/** Most layers a playground model has: a Sequential's recurrent layers and head, or the g2p encoder-decoder's. */
const MAX_LAYERS = Math.max(LIMITS.layers.max + 1, Object.keys(SEQ2SEQ_LAYERS).length);
/** Largest embedding (tokens, or vector size) of a playground model: the g2p task's are 27 and 42 tokens of 16. */
const MAX_EMBEDDING = 256;

/** Refuses layer counts and widths the playground cannot show before the library allocates anything. */
function checkWidths(source: string, modelJson: unknown): void {
  const m = isObject(modelJson) ? own(modelJson, 'model') : undefined;
  const ls = isObject(m) ? own(m, 'layers') : undefined;
  if (!Array.isArray(ls)) return; // the library says what is wrong with it
  if (ls.length > MAX_LAYERS) throw new ModelFormatError(source, `it has ${ls.length} layers; a playground model has at most ${MAX_LAYERS}.`);
  for (const l of ls) {
    const c = isObject(l) ? own(l, 'config') : undefined;
    const units = isObject(c) ? own(c, 'units') : undefined;
    if (typeof units === 'number' && units > LIMITS.units.max)
      throw new ModelFormatError(source, `a layer has ${show(units)} units; the playground takes at most ${LIMITS.units.max}.`);
    for (const k of ['inputDim', 'outputDim']) {
      const v = isObject(c) ? own(c, k) : undefined;
      if (typeof v === 'number' && v > MAX_EMBEDDING) throw new ModelFormatError(source, `an embedding has ${k} ${show(v)}; the playground's are at most ${MAX_EMBEDDING}.`);
    }
  }
}

function fits(model: LayersModel, task: Task): boolean {
  return typeof modelConfigOf(model, task) !== 'string';
}

/**
 * A run from picked files on `backend`: the library's `loadModel`, then the playground's checks.
 * `fallback` gives the batch size (and nothing else) when the files are a library model without
 * a playground part; its task is then the one whose inputs and head the model fits.
 */
export async function loadRun(
  backend: Backend | Engine,
  raw: RawData,
  files: readonly PickedFile[],
  fallback: { batchSize: number },
): Promise<{ run: Run; meta: PlaygroundMeta; source: string; inferred: boolean }> {
  const { source, artifacts, meta } = readPicked(files);
  const lists: RawData = { ...raw, words: undefined };
  checkWidths(source, artifacts.modelJson);
  // The library's loader, on the artifacts in memory; its messages name the file the user chose.
  const model = await loadModel({ ...io.memory(artifacts), description: source }, { backend });
  try {
    let task: Task;
    let m: PlaygroundMeta;
    if (meta) {
      // The file's own words or the name lists: never the words of the run being replaced.
      task = createTask(meta.task, meta.seqLen, { ...lists, words: meta.words });
      m = meta;
    } else {
      const id = TASK_IDS.find((t) => fits(model, createTask(t, SEQ_LEN[t].value, lists)));
      if (!id) throw new ModelFormatError(source, `it does not fit any playground task: ${modelConfigOf(model, createTask('names', SEQ_LEN.names.value, lists))}`);
      task = createTask(id, SEQ_LEN[id].value, lists);
      const iterations = model.optimizer?.iterations ?? 0;
      m = { task: id, seqLen: SEQ_LEN[id].value, batchSize: fallback.batchSize, step: iterations, batches: { s: [0, 0, 0, 0], spare: null }, history: [] };
    }
    const shape = modelConfigOf(model, task);
    if (typeof shape === 'string') throw new ModelFormatError(source, `it is not a playground model for the ${task.id} task: ${shape}`);
    if (!(model.seed >= LIMITS.seed.min && model.seed <= LIMITS.seed.max)) throw new ModelFormatError(source, `its seed ${model.seed} is outside [${LIMITS.seed.min}, ${LIMITS.seed.max}].`);
    const train = await trainConfigOf(model, m.batchSize);
    if (typeof train === 'string') throw new ModelFormatError(source, train);
    const config: ModelConfig = { task: m.task, seqLen: m.seqLen, seed: model.seed, ...shape };
    const run = new Run(task, config, train, model, meta ? { step: meta.step, rng: meta.batches } : { step: m.step, rng: undefined });
    return { run, meta: m, source, inferred: !meta };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
