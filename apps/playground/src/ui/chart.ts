/**
 * Line charts on uPlot: a small wrapper that sizes the chart to its card, redraws on resize and
 * counts its redraws (the end-to-end tests read `data-draws` to see a chart update).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { linearRange, logRange } from './ranges.js';

export interface SeriesSpec {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  /** Draw points only (for sparse series like validation). */
  points?: boolean;
  /** Connect across missing (null) values. */
  spanGaps?: boolean;
}

export interface ChartSpec {
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  /** The x axis holds unix seconds (dates). */
  time?: boolean;
  height?: number;
  series: SeriesSpec[];
  yFormat?: (v: number) => string;
  /** A fixed y range (linear charts), e.g. [0, 1] for a percentage; else the data's (see ranges.ts). */
  yRange?: () => [number, number] | undefined;
}

export class LineChart {
  readonly el: HTMLElement;
  #plot: uPlot;
  #draws: number;
  #spec: ChartSpec;
  #resize: ResizeObserver;

  constructor(el: HTMLElement, spec: ChartSpec) {
    this.el = el;
    this.#spec = spec;
    // A chart rebuilt in the same place keeps counting its redraws.
    this.#draws = Number(el.dataset.draws ?? 0);
    const fmt = spec.yFormat;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: spec.height ?? 190,
      scales: {
        x: { time: spec.time ?? false },
        y: spec.logY ? { distr: 3, log: 10, range: (_u, min, max) => logRange(min, max) } : { auto: true, range: (_u, min, max) => linearRange(min, max, spec.yRange?.()) },
      },
      axes: [
        { label: spec.xLabel, labelSize: 18, size: 34, stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
        {
          label: spec.yLabel,
          labelSize: 18,
          size: 54,
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          values: fmt ? (_u, vals) => vals.map((v) => (v == null ? '' : fmt(v))) : undefined,
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: spec.xLabel, value: (_u: uPlot, v: number | null) => (v == null ? '–' : spec.time ? new Date(v * 1000).toISOString().slice(0, 10) : String(v)) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: s.spanGaps ?? false,
          points: s.points ? { show: true, size: 5, fill: s.color } : { show: false },
          paths: s.points ? () => null : undefined,
          value: fmt ? (_u: uPlot, v: number | null) => (v == null ? '–' : fmt(v)) : undefined,
        })),
      ],
      hooks: { draw: [() => this.#drawn()] },
    };
    this.#plot = new uPlot(opts, [[], ...spec.series.map(() => [])], el);
    this.#resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - this.#plot.width) > 2) this.#plot.setSize({ width: w, height: this.#spec.height ?? 190 });
    });
    this.#resize.observe(el);
  }

  /** Removes the chart (and stops watching its size). */
  destroy(): void {
    this.#resize.disconnect();
    this.#plot.destroy();
  }

  #drawn(): void {
    this.#draws++;
    this.el.dataset.draws = String(this.#draws);
  }

  setData(x: ArrayLike<number>, ys: ArrayLike<number | null>[]): void {
    // Non-finite values (a diverged loss) are gaps: they would take the axis range, and its labels, with them.
    const keep = this.#spec.logY ? (v: number) => v > 0 && Number.isFinite(v) : (v: number) => Number.isFinite(v);
    const clean = ys.map((y) => Array.from(y, (v) => (v != null && keep(v) ? v : null)));
    this.el.dataset.points = String(x.length);
    this.#plot.setData([x as number[], ...(clean as (number | null)[][])]);
  }
}
