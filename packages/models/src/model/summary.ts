/** model.summary(): one row per layer (or layer call) with its output shape and parameter count. */
import { fmt } from '../internal/shape.js';
import type { Layer } from '../layers/layer.js';

export const thousands = (n: number): string => n.toLocaleString('en-US');

/** "name (Type[, detail])". */
export const layerLabel = (l: Layer): string => `${l.name} (${l.summaryDetail() ? `${l.className}, ${l.summaryDetail()}` : l.className})`;

/** A layer's built output shape with the batch axis, or '(not built)'. */
export const builtShape = (l: Layer): string => (l.builtOutput ? fmt([null, ...l.builtOutput]) : '(not built)');

/**
 * The table: `title`, then the columns 'Layer (type)', 'Output shape', 'Params' (right-aligned)
 * and, when rows have a fourth cell, 'Connected to'; then the total.
 */
export function summaryText(title: string, rows: string[][], total: number): string {
  const head = ['Layer (type)', 'Output shape', 'Params', ...(rows.some((r) => r.length > 3) ? ['Connected to'] : [])];
  const cols = head.map((_, i) => i);
  const w = cols.map((i) => Math.max(head[i].length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    cols.map((i) => (i === 2 ? (r[i] ?? '').padStart(w[i]) : i === cols.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(w[i]))).join('   ');
  const rule = '─'.repeat(w.reduce((a, b) => a + b, 0) + 3 * (cols.length - 1));
  return [title, line(head), rule, ...rows.map(line), rule, `Total params: ${thousands(total)}`].join('\n');
}
