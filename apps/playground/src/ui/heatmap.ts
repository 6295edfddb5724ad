/**
 * A heatmap on a canvas: rows are hidden units (or, with `rowLabels`, named rows: the phonemes
 * of an attention map), columns are time steps, labelled with the step's input (a letter, a
 * date, a marker). Drawn at data resolution and scaled up without
 * smoothing, so each cell stays a crisp block.
 */
import type { Scale } from './colormap.js';

export interface HeatmapData {
  /** [T * rows] values, step-major: value(t, r) = data[t * stride + offset + r]. */
  data: Float32Array;
  T: number;
  rows: number;
  stride: number;
  offset: number;
  stepLabels: string[];
  scale: Scale;
  /** One label per row (default: units numbered 1 to rows). */
  rowLabels?: string[];
  /** What the rows are (default 'unit'). */
  rowTitle?: string;
}

const LABEL_H = 16;
const AXIS_W = 28;

export function drawHeatmap(canvas: HTMLCanvasElement, h: HeatmapData, cssHeight: number, title?: string): void {
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = Math.max(120, canvas.parentElement?.clientWidth ?? 300);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  const top = title ? 16 : 2;
  const plotW = cssWidth - AXIS_W - 4;
  const plotH = cssHeight - LABEL_H - top;
  if (title) {
    ctx.fillStyle = '#334155';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillText(title, AXIS_W, 1);
  }
  // Data-resolution image, scaled up.
  const img = new ImageData(h.T, h.rows);
  const { lut, min, max } = h.scale;
  for (let t = 0; t < h.T; t++)
    for (let r = 0; r < h.rows; r++) {
      const v = h.data[t * h.stride + h.offset + r];
      const k = Math.round(Math.min(1, Math.max(0, (v - min) / (max - min))) * 255) * 3;
      const p = (r * h.T + t) * 4;
      img.data[p] = lut[k];
      img.data[p + 1] = lut[k + 1];
      img.data[p + 2] = lut[k + 2];
      img.data[p + 3] = 255;
    }
  const off = document.createElement('canvas');
  off.width = h.T;
  off.height = h.rows;
  off.getContext('2d')?.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, AXIS_W, top, plotW, plotH);
  ctx.strokeStyle = '#cbd5e1';
  ctx.strokeRect(AXIS_W - 0.5, top - 0.5, plotW + 1, plotH + 1);
  // Axes: units on the left, step labels below (thinned to fit).
  ctx.fillStyle = '#64748b';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  const rowH = plotH / h.rows;
  if (h.rowLabels) {
    const everyRow = Math.max(1, Math.ceil(12 / rowH));
    h.rowLabels.forEach((label, r) => r % everyRow === 0 && ctx.fillText(label, AXIS_W - 4, top + (r + 0.5) * rowH));
  } else {
    ctx.fillText('1', AXIS_W - 4, top + rowH / 2);
    ctx.fillText(String(h.rows), AXIS_W - 4, top + plotH - rowH / 2);
    ctx.save();
    ctx.translate(9, top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(h.rowTitle ?? 'unit', 0, 0);
    ctx.restore();
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const colW = plotW / h.T;
  const widest = Math.max(6, ...h.stepLabels.map((s) => ctx.measureText(s).width));
  const every = Math.max(1, Math.ceil((widest + 4) / colW));
  for (let t = 0; t < h.T; t++) {
    const label = h.stepLabels[t] ?? '';
    if (!label || (t % every !== 0 && label !== '●')) continue;
    ctx.fillStyle = label === '●' ? '#b91c1c' : '#334155';
    ctx.fillText(label, AXIS_W + (t + 0.5) * colW, top + plotH + 3);
  }
}
