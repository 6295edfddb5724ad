/** The settings sidebar: reads and writes the configuration, reports which setting changed. */
import type { CellKind } from '@recurrent/core';
import { type BackendId, LIMITS, type OptimizerName, type PlaygroundConfig, SEQ_LEN, SEQ2SEQ_TASKS, type TaskId } from '../model/config.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`playground: no #${id} in the page`);
  return e as T;
};

/** Sets a select's value, adding the option when a shared link carries a value the list lacks. */
function setSelect(sel: HTMLSelectElement, value: string): void {
  if (![...sel.options].some((o) => o.value === value)) {
    const o = document.createElement('option');
    o.value = o.textContent = value;
    const after = [...sel.options].find((x) => Number(x.value) > Number(value));
    sel.insertBefore(o, after ?? null);
  }
  sel.value = value;
}

export function writeConfig(c: PlaygroundConfig): void {
  $<HTMLSelectElement>('task').value = c.task;
  const seq = $<HTMLInputElement>('seq-len');
  const range = SEQ_LEN[c.task];
  seq.min = String(range.min);
  seq.max = String(range.max);
  seq.value = String(c.seqLen);
  // A task with one length (digits: 28 rows) shows it without a slider to move.
  seq.hidden = range.min === range.max;
  $('seq-len-label').textContent = range.label[0].toUpperCase() + range.label.slice(1);
  $('seq-len-value').textContent = String(c.seqLen);
  $<HTMLInputElement>(`cell-${c.cell}`).checked = true;
  setSelect($<HTMLSelectElement>('units'), String(c.units));
  setSelect($<HTMLSelectElement>('layers'), String(c.layers));
  // The g2p encoder-decoder has one encoder and one decoder layer.
  $<HTMLSelectElement>('layers').disabled = SEQ2SEQ_TASKS.includes(c.task);
  $<HTMLInputElement>('seed').value = String(c.seed);
  $<HTMLSelectElement>('optimizer').value = c.optimizer;
  setSelect($<HTMLSelectElement>('lr'), String(c.learningRate));
  setSelect($<HTMLSelectElement>('batch'), String(c.batchSize));
  setSelect($<HTMLSelectElement>('clip'), String(c.clipNorm));
  const radio = document.querySelector<HTMLInputElement>(`input[name="backend"][value="${c.backend}"]`);
  if (radio) radio.checked = true;
}

/**
 * The seed typed in the box, if a shared link can carry it (an integer in [0, 2^31 - 1]; the
 * box would otherwise accept 2.5, 1e30 or 4294967296 and the link turn them into something else).
 */
export function checkSeed(raw: string): number | string {
  const v = Number(raw);
  const { min, max } = LIMITS.seed;
  if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) return `The seed must be an integer from ${min} to ${max} (what a shared link carries); ${raw.trim() === '' ? 'the box is empty' : `${raw} is not`}.`;
  return v;
}

/** The settings in the controls; a seed the link cannot carry keeps `prev.seed` and is named in `problems`. */
export function readConfig(prev: PlaygroundConfig, problems: string[] = []): PlaygroundConfig {
  const cell = document.querySelector<HTMLInputElement>('input[name="cell"]:checked')?.value as CellKind | undefined;
  const checked = checkSeed($<HTMLInputElement>('seed').value);
  if (typeof checked === 'string') problems.push(`${checked} Kept ${prev.seed}.`);
  const seed = typeof checked === 'number' ? checked : prev.seed;
  return {
    task: $<HTMLSelectElement>('task').value as TaskId,
    seqLen: Number($<HTMLInputElement>('seq-len').value),
    cell: cell ?? prev.cell,
    units: Number($<HTMLSelectElement>('units').value),
    layers: Number($<HTMLSelectElement>('layers').value),
    seed,
    optimizer: $<HTMLSelectElement>('optimizer').value as OptimizerName,
    learningRate: Number($<HTMLSelectElement>('lr').value),
    batchSize: Number($<HTMLSelectElement>('batch').value),
    clipNorm: Number($<HTMLSelectElement>('clip').value),
    backend: (document.querySelector<HTMLInputElement>('input[name="backend"]:checked')?.value as BackendId | undefined) ?? prev.backend,
  };
}

/** Calls `onChange(key)` when a setting is committed (on 'change', so a dragged slider fires once). */
export function watchControls(onChange: (key: keyof PlaygroundConfig) => void): void {
  const map: [string, keyof PlaygroundConfig][] = [
    ['task', 'task'],
    ['seq-len', 'seqLen'],
    ['units', 'units'],
    ['layers', 'layers'],
    ['seed', 'seed'],
    ['optimizer', 'optimizer'],
    ['lr', 'learningRate'],
    ['batch', 'batchSize'],
    ['clip', 'clipNorm'],
  ];
  for (const [id, key] of map) $(id).addEventListener('change', () => onChange(key));
  $('seq-len').addEventListener('input', () => ($('seq-len-value').textContent = $<HTMLInputElement>('seq-len').value));
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="cell"]')) r.addEventListener('change', () => onChange('cell'));
}
