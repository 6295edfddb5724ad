/** model.summary(): one row per layer with its output shape and parameter count. */
import { fmt } from '../internal/shape.js';
import type { Sequential } from './sequential.js';

const thousands = (n: number) => n.toLocaleString('en-US');

export function summaryText(model: Sequential): string {
  const kind = (l: (typeof model.layers)[number]) => (l.summaryDetail() ? `${l.className}, ${l.summaryDetail()}` : l.className);
  const rows = model.layers.map((l) => [`${l.name} (${kind(l)})`, l.builtOutput ? fmt([null, ...l.builtOutput]) : '(not built)', thousands(l.countParams())]);
  const head = ['Layer (type)', 'Output shape', 'Params'];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}   ${r[1].padEnd(w[1])}   ${r[2].padStart(w[2])}`;
  const rule = '─'.repeat(w[0] + w[1] + w[2] + 6);
  const input = model.inputShape ? fmt([null, ...model.inputShape]) : '(unknown until built)';
  return [
    `Model: "${model.name}"  input ${input}  backend ${model.backend.name}`,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${thousands(model.countParams())}`,
  ].join('\n');
}
