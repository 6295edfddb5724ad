/**
 * Compare backends: the same model (the current weights and optimizer state) trained on the same
 * batches for a few steps on every backend that runs here. Reports the median ms per step (the
 * first steps, which compile shaders and warm up the JIT, are left out), the speed-up against CPU, and the largest difference of
 * the losses and of the final weights from CPU's.
 */
import { createHost } from '../backends/host.js';
import { BACKENDS } from '../backends/registry.js';
import type { BackendId, ModelConfig, TrainConfig } from '../model/config.js';
import type { TrainerState } from '../model/trainer.js';

export interface CompareRow {
  id: BackendId;
  label: string;
  ok: boolean;
  reason?: string;
  msPerStep?: number;
  speedup?: number;
  maxLossDiff?: number;
  maxWeightDiff?: number;
  losses?: number[];
}

/** Steps per backend; the first WARMUP (shader compilation, JIT) are not timed. */
export const COMPARE_STEPS = 8;
const WARMUP = 3;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function compareBackends(
  ids: BackendId[],
  model: ModelConfig,
  train: TrainConfig,
  state: TrainerState,
  onProgress: (text: string) => void,
): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  let ref: { losses: number[]; weights: number[]; ms: number } | undefined;
  const ordered = ['cpu' as BackendId, ...ids.filter((id) => id !== 'cpu')];
  for (const id of ordered) {
    const label = BACKENDS.find((b) => b.id === id)?.label ?? id;
    onProgress(`Comparing: ${label}, ${COMPARE_STEPS} steps…`);
    let host: Awaited<ReturnType<typeof createHost>> | undefined;
    try {
      host = await createHost(id);
      await host.init(model, train, state);
      const rs = await host.train(COMPARE_STEPS, false);
      const final = await host.exportState();
      const losses = rs.map((r) => r.loss);
      const weights = final.params.flatMap((p) => p.data);
      const ms = median(rs.slice(WARMUP).map((r) => r.ms));
      const row: CompareRow = { id, label, ok: true, msPerStep: ms, losses };
      if (!ref) ref = { losses, weights, ms };
      row.speedup = ref.ms / ms;
      row.maxLossDiff = Math.max(...losses.map((l, i) => Math.abs(l - ref!.losses[i])));
      row.maxWeightDiff = weights.reduce((m, w, i) => Math.max(m, Math.abs(w - ref!.weights[i])), 0);
      rows.push(row);
    } catch (e) {
      rows.push({ id, label, ok: false, reason: (e as Error).message });
    } finally {
      host?.close();
    }
  }
  return rows;
}

const exp = (v: number | undefined) => (v === undefined ? '–' : v === 0 ? '0' : v.toExponential(1));

export function renderCompare(el: HTMLElement, rows: CompareRow[]): void {
  const table = document.createElement('table');
  table.className = 'compare';
  table.innerHTML =
    '<thead><tr><th scope="col">backend</th><th scope="col">ms / step</th><th scope="col">speed-up vs CPU</th>' +
    '<th scope="col">max |Δ loss|</th><th scope="col">max |Δ weight|</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.backend = r.id;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = r.label;
    tr.append(th);
    if (!r.ok) {
      const td = document.createElement('td');
      td.colSpan = 4;
      td.className = 'fail';
      td.textContent = r.reason ?? 'failed';
      tr.append(td);
    } else
      for (const v of [r.msPerStep!.toFixed(1), `${r.speedup!.toFixed(2)}×`, exp(r.maxLossDiff), exp(r.maxWeightDiff)]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
    body.append(tr);
  }
  table.append(body);
  el.replaceChildren(table);
}
