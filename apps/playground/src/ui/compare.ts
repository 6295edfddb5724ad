/**
 * Compare backends: a copy of the current run (its saved model: weights and optimizer state)
 * trained with the library's training step (`trainOnBatch`) on the same batches on every backend
 * that runs here. Every backend is started and warmed up first (shader compilation, the JIT, the
 * WebAssembly tiers), then the backends take turns for a few rounds of timed steps, so a slow
 * moment of the machine spreads over all of them and the ratios hold still. Reports the median
 * ms per step, the speed-up against CPU, and the largest difference of the losses and of the
 * final weights from CPU's.
 */
import { createHost, type TrainerHost } from '../backends/host.js';
import { BACKENDS } from '../backends/registry.js';
import type { BackendId } from '../model/config.js';

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

/** Untimed steps per backend, then rounds of timed steps (the backends take turns each round). */
export const COMPARE = { warmup: 5, rounds: 3, steps: 8 } as const;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Lane {
  id: BackendId;
  label: string;
  host?: TrainerHost;
  ms: number[];
  losses: number[];
  failed?: string;
}

export async function compareBackends(ids: BackendId[], file: string, onProgress: (text: string) => void): Promise<CompareRow[]> {
  const ordered = ['cpu' as BackendId, ...ids.filter((id) => id !== 'cpu')];
  const lanes: Lane[] = ordered.map((id) => ({ id, label: BACKENDS.find((b) => b.id === id)?.label ?? id, ms: [], losses: [] }));
  const guard = async (lane: Lane, what: () => Promise<void>) => {
    if (lane.failed) return;
    try {
      await what();
    } catch (e) {
      lane.failed = (e as Error).message;
    }
  };
  try {
    for (const lane of lanes)
      await guard(lane, async () => {
        onProgress(`Comparing: starting ${lane.label} and warming it up (${COMPARE.warmup} steps)…`);
        lane.host = await createHost(lane.id);
        await lane.host.benchLoad(file);
        const w = await lane.host.benchTrain(COMPARE.warmup);
        lane.losses.push(...w.losses);
      });
    for (let r = 0; r < COMPARE.rounds; r++)
      for (const lane of lanes)
        await guard(lane, async () => {
          onProgress(`Comparing: round ${r + 1} of ${COMPARE.rounds}, ${lane.label}, ${COMPARE.steps} steps…`);
          const t = await lane.host!.benchTrain(COMPARE.steps);
          lane.ms.push(...t.ms);
          lane.losses.push(...t.losses);
        });
    const weights = new Map<BackendId, number[]>();
    for (const lane of lanes) await guard(lane, async () => void weights.set(lane.id, await lane.host!.benchEnd()));
    const ref = lanes.find((l) => !l.failed);
    return lanes.map((l): CompareRow => {
      if (l.failed || !ref) return { id: l.id, label: l.label, ok: false, reason: l.failed ?? 'failed' };
      const ms = median(l.ms);
      const w = weights.get(l.id)!;
      const rw = weights.get(ref.id)!;
      return {
        id: l.id,
        label: l.label,
        ok: true,
        msPerStep: ms,
        speedup: median(ref.ms) / ms,
        losses: l.losses,
        maxLossDiff: Math.max(...l.losses.map((v, i) => Math.abs(v - ref.losses[i]))),
        maxWeightDiff: w.reduce((m, v, i) => Math.max(m, Math.abs(v - rw[i])), 0),
      };
    });
  } finally {
    for (const l of lanes) l.host?.close();
  }
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
