/** The curves of one run: per-step training numbers and the validation points among them. */
import type { StepResult } from '../model/run.js';

export interface Point {
  step: number;
  loss?: number;
  metric?: number;
  ms?: number;
  valLoss?: number;
  valMetric?: number;
}

/** Rows kept before thinning: enough for a long session, small enough to redraw each frame. */
const MAX_POINTS = 6000;

export class History {
  points: Point[] = [];
  #emaLoss?: number;
  #emaMetric?: number;
  smoothLoss: number[] = [];
  smoothMetric: number[] = [];

  clear(): void {
    this.points = [];
    this.smoothLoss = [];
    this.smoothMetric = [];
    this.#emaLoss = undefined;
    this.#emaMetric = undefined;
  }

  #at(step: number): Point {
    const last = this.points[this.points.length - 1];
    if (last && last.step === step) return last;
    const p: Point = { step };
    this.points.push(p);
    this.smoothLoss.push(Number.NaN);
    this.smoothMetric.push(Number.NaN);
    return p;
  }

  addStep(r: StepResult): void {
    const p = this.#at(r.step);
    p.loss = r.loss;
    p.metric = r.metric;
    p.ms = r.ms;
    const a = 0.9;
    // Only finite values enter the averages (a diverged step, a task without a training metric).
    if (Number.isFinite(r.loss)) this.#emaLoss = this.#emaLoss === undefined ? r.loss : a * this.#emaLoss + (1 - a) * r.loss;
    if (Number.isFinite(r.metric)) this.#emaMetric = this.#emaMetric === undefined ? r.metric : a * this.#emaMetric + (1 - a) * r.metric;
    this.smoothLoss[this.points.length - 1] = this.#emaLoss ?? Number.NaN;
    this.smoothMetric[this.points.length - 1] = this.#emaMetric ?? Number.NaN;
    if (this.points.length > MAX_POINTS) this.#thin();
  }

  addValidation(step: number, v: { loss: number; metric: number }): void {
    const p = this.#at(step);
    p.valLoss = v.loss;
    p.valMetric = v.metric;
  }

  /** Halves the training rows (validation rows stay). */
  #thin(): void {
    const keep = this.points.map((p, i) => i % 2 === 0 || p.valLoss !== undefined || i === this.points.length - 1);
    this.points = this.points.filter((_, i) => keep[i]);
    this.smoothLoss = this.smoothLoss.filter((_, i) => keep[i]);
    this.smoothMetric = this.smoothMetric.filter((_, i) => keep[i]);
  }

  column(key: keyof Point): (number | null)[] {
    return this.points.map((p) => p[key] ?? null);
  }

  lastValidation(): Point | undefined {
    for (let i = this.points.length - 1; i >= 0; i--) if (this.points[i].valLoss !== undefined) return this.points[i];
    return undefined;
  }

  /** Median of the last n step times. */
  medianMs(n = 20): number | undefined {
    const ms = this.points.flatMap((p) => (p.ms === undefined ? [] : [p.ms])).slice(-n);
    if (ms.length === 0) return undefined;
    ms.sort((a, b) => a - b);
    return ms[Math.floor(ms.length / 2)];
  }

  toJSON(): Point[] {
    return this.points;
  }

  load(points: Point[]): void {
    this.clear();
    for (const p of points) {
      if (p.loss !== undefined) this.addStep({ step: p.step, loss: p.loss, metric: p.metric ?? Number.NaN, ms: p.ms ?? 0 });
      if (p.valLoss !== undefined) this.addValidation(p.step, { loss: p.valLoss, metric: p.valMetric ?? 0 });
    }
  }
}
