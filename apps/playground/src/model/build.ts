/**
 * The playground's models are plain `@recurrent/models` Sequentials:
 *
 *   recurrent layer 1 ... recurrent layer L (SimpleRNN, LSTM or GRU) -> dense head (linear)
 *
 * or, for the g2p task, the library's `seq2seq` recipe (a functional encoder-decoder with
 * attention; SEQ2SEQ_TASKS). The head reads the last state ('last' tasks) or every step (generation). Losses are the
 * library's: binary cross-entropy on the logit, mean squared error, or sparse categorical
 * cross-entropy on the per-step logits (padded steps are masked by the library). This file only
 * says which layers, loss and optimizer; the maths is the library's.
 */
import type { Backend, Engine } from '@recurrent/core';
import { type CompileOptions, data, type Functional, type LayersModel, layers, type Layer, optimizers, Sequential, seq2seq, seq2seqShapeOf, sequential } from '@recurrent/models';
import { G2P_EMBEDDING } from '../tasks/g2p.js';
import type { LossKind, Task } from '../tasks/task.js';
import { CELL_KINDS, LIMITS, type ModelConfig, type OptimizerName, OPTIMIZERS, SEQ2SEQ_TASKS, type TaskId, type TrainConfig } from './config.js';

const LOSS: Record<LossKind, CompileOptions['loss']> = {
  binary: { name: 'binaryCrossentropy', fromLogits: true },
  mse: 'mse',
  classes: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
  sequenceCe: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
  sequenceProbs: 'sparseCategoricalCrossentropy',
};

const isSeq2seq = (task: Task): boolean => SEQ2SEQ_TASKS.includes(task.id as TaskId);

/** A playground model: a Sequential, or the g2p task's functional encoder-decoder. */
export type PlaygroundModel = Sequential | Functional;

const RNN = { simpleRnn: layers.simpleRNN, lstm: layers.lstm, gru: layers.gru } as const;

/** A fresh model for `task`, initialised from `model.seed` (the same values on every backend). */
export function buildModel(backend: Backend | Engine, task: Task, model: ModelConfig): PlaygroundModel {
  if (isSeq2seq(task))
    return seq2seq({ backend, seed: model.seed, cell: model.cell, units: model.units, embedding: G2P_EMBEDDING, sourceTokens: data.LETTER_TOKENS, targetTokens: data.PHONEME_TOKENS });
  const stack: Layer[] = [];
  for (let l = 0; l < model.layers; l++)
    stack.push(
      RNN[model.cell]({
        units: model.units,
        returnSequences: l < model.layers - 1 || task.head === 'sequence',
        name: `rnn${l + 1}`,
        ...(l === 0 ? { inputShape: [null, task.inputSize] } : {}),
      }),
    );
  stack.push(layers.dense({ units: task.outputSize, name: 'head' }));
  return sequential({ backend, seed: model.seed, name: `playground-${task.id}` }, stack);
}

/** The optimizer for the training settings (SGD with momentum 0.9; clipping by global norm when clipNorm > 0). */
export function makeOptimizer(train: TrainConfig): optimizers.Optimizer {
  const clip = train.clipNorm > 0 ? { clipNorm: train.clipNorm } : {};
  const learningRate = train.learningRate;
  switch (train.optimizer) {
    case 'adam':
      return optimizers.adam({ learningRate, ...clip });
    case 'adamw':
      return optimizers.adamw({ learningRate, ...clip });
    case 'rmsprop':
      return optimizers.rmsprop({ learningRate, ...clip });
    case 'sgd':
      return optimizers.sgd({ learningRate, momentum: 0.9, ...clip });
    case 'adagrad':
      return optimizers.adagrad({ learningRate, ...clip });
  }
}

/** Compiles `model` for `task` with the training settings' optimizer. */
export function compileModel(model: LayersModel, task: Task, train: TrainConfig, optimizer = makeOptimizer(train)): void {
  model.compile({ loss: LOSS[task.loss], optimizer, metrics: task.trainMetric ? [task.trainMetric.name] : [] });
}

/**
 * The playground configuration a loaded model has, or why it is not a playground model for
 * `task`: L recurrent layers of one kind and width (without dropout, state or reversal), then a
 * linear dense head with the task's outputs, reading the input size the task gives.
 */
export function modelConfigOf(model: LayersModel, task: Task): { cell: ModelConfig['cell']; units: number; layers: number } | string {
  if (isSeq2seq(task)) return seq2seqConfigOf(model, task);
  if (!(model instanceof Sequential)) return 'it is not a sequential model (recurrent layers, then a dense head).';
  const ls = model.layers;
  const rnns = ls.slice(0, -1);
  const head = ls[ls.length - 1] as Layer & { units?: number; activation?: string };
  if (rnns.length < LIMITS.layers.min || rnns.length > LIMITS.layers.max)
    return `it has ${ls.length} layers; a playground model has ${LIMITS.layers.min + 1} to ${LIMITS.layers.max + 1} (recurrent layers, then a dense head).`;
  const first = rnns[0] as Layer & Partial<layers.RecurrentLayer>;
  const kind = first.kind;
  if (!kind || !(CELL_KINDS as readonly string[]).includes(kind)) return `its first layer is a ${first.className}, not SimpleRNN, LSTM or GRU.`;
  for (const [i, raw] of rnns.entries()) {
    const l = raw as Layer & Partial<layers.RecurrentLayer>;
    if (l.kind !== kind || l.units !== first.units) return `layer ${i + 1} (${l.className}) differs from layer 1 (${first.className}, ${first.units} units).`;
    if (l.stateful || l.goBackwards || l.returnState || l.dropout || l.recurrentDropout || l.activation !== 'tanh')
      return `layer ${i + 1} uses options the playground does not offer (stateful, goBackwards, returnState, dropout or a non-tanh activation).`;
    const wantSeq = i < rnns.length - 1 || task.head === 'sequence';
    if (l.returnSequences !== wantSeq) return `layer ${i + 1} ${l.returnSequences ? 'returns' : 'does not return'} sequences, which the ${task.id} task does not fit.`;
  }
  const units = first.units!;
  if (units < LIMITS.units.min || units > LIMITS.units.max) return `it has ${units} units; the playground takes ${LIMITS.units.min} to ${LIMITS.units.max}.`;
  if (head.className !== 'Dense' || head.units !== task.outputSize || head.activation !== 'linear')
    return `its last layer is not a linear Dense layer with ${task.outputSize} output${task.outputSize > 1 ? 's' : ''} (the ${task.id} task's head).`;
  const inShape = model.inputShape;
  const D = inShape?.[inShape.length - 1];
  if (D !== task.inputSize) return `it reads ${D} features per step; the ${task.id} task gives ${task.inputSize}.`;
  return { cell: kind, units, layers: rnns.length };
}

/** The g2p task's configuration of a loaded encoder-decoder: the library's recipe with the task's tokens and embedding, units in range. */
function seq2seqConfigOf(model: LayersModel, task: Task): { cell: ModelConfig['cell']; units: number; layers: number } | string {
  const s = seq2seqShapeOf(model);
  if (typeof s === 'string') return s;
  if (s.sourceTokens !== task.inputSize || s.targetTokens !== task.outputSize || s.embedding !== G2P_EMBEDDING)
    return `its embeddings read ${s.sourceTokens} letter and ${s.targetTokens} phoneme tokens of size ${s.embedding}; the ${task.id} task has ${task.inputSize}, ${task.outputSize} and ${G2P_EMBEDDING}.`;
  if (s.units < LIMITS.units.min || s.units > LIMITS.units.max) return `it has ${s.units} units; the playground takes ${LIMITS.units.min} to ${LIMITS.units.max}.`;
  return { cell: s.cell, units: s.units, layers: 1 };
}

/** The training settings a compiled (loaded) model's optimizer carries, checked against the playground's limits. */
export async function trainConfigOf(model: LayersModel, batchSize: number): Promise<TrainConfig | string> {
  const opt = model.optimizer;
  if (!opt) return 'it was saved without its optimizer.';
  if (!(OPTIMIZERS as readonly string[]).includes(opt.name)) return `its optimizer is '${opt.name}'; the playground offers ${OPTIMIZERS.join(', ')}.`;
  const lr = opt.learningRateAt(opt.iterations);
  if (!(lr >= LIMITS.learningRate.min && lr <= LIMITS.learningRate.max))
    return `its learning rate is ${lr}; the playground takes ${LIMITS.learningRate.min} to ${LIMITS.learningRate.max}.`;
  const config = (await opt.getState()).config;
  const clipRaw = Object.hasOwn(config, 'clipNorm') ? config.clipNorm : undefined;
  const clipNorm = clipRaw === undefined || clipRaw === null ? 0 : Number(clipRaw);
  if (!(clipNorm >= LIMITS.clipNorm.min && clipNorm <= LIMITS.clipNorm.max)) return `its clipNorm is ${String(clipRaw)}; the playground takes 0 (off) to ${LIMITS.clipNorm.max}.`;
  return { optimizer: opt.name as OptimizerName, learningRate: lr, batchSize, clipNorm };
}
