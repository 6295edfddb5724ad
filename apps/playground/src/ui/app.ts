/**
 * The page controller: owns the configuration, the host running the model, the training loop,
 * the charts and views, backend switching, comparison, save/load and the shareable link.
 *
 * Every call to the host goes through one queue (`call`), so a click (sample names, classify,
 * switch backend) never interleaves with a training step.
 */
import { createHost, type TrainerHost } from '../backends/host.js';
import { type Availability, BACKENDS, type PageBackendId, probe } from '../backends/registry.js';
import type { RunInfo } from '../backends/service.js';
import {
  type BackendId,
  configFromQuery,
  configToQuery,
  modelPart,
  type PlaygroundConfig,
  SEQ_LEN,
  trainPart,
} from '../model/config.js';
import { MAX_FILE_BYTES, type PickedFile } from '../model/file.js';
import { splitWords } from '../tasks/text.js';
import type { Inspection, StepResult } from '../model/run.js';
import { LineChart } from './chart.js';
import { cssGradient, SIGMOID_SCALE, TANH_SCALE } from './colormap.js';
import { COMPARE, type CompareRow, compareBackends, renderCompare } from './compare.js';
import { $, readConfig, watchControls, writeConfig } from './controls.js';
import { drawHeatmap } from './heatmap.js';
import { History, type Point } from './history.js';
import { createTaskView, type TaskView } from './task-views.js';

const TASK_METRIC: Record<PlaygroundConfig['task'], string> = {
  names: 'Accuracy',
  generate: 'Next-letter accuracy',
  weather: 'Mean absolute error (°C)',
  adding: 'Solved (|error| < 0.04)',
  digits: 'Accuracy (validation: the 1000 test images)',
  g2p: 'Phoneme error rate (greedy, the 300 held-out words)',
};
const PERCENT_METRIC = new Set(['names', 'generate', 'adding', 'digits', 'g2p']);
/** Percentages that can exceed 100% (a phoneme error rate): their axis is not fixed to 0-100%. */
const UNBOUNDED_METRIC = new Set(['g2p']);

const PLAY_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M7 4.5l13 7.5-13 7.5z" fill="currentColor"/></svg>';
const PAUSE_ICON =
  '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><rect x="5.5" y="4.5" width="4.5" height="15" rx="1" fill="currentColor"/><rect x="14" y="4.5" width="4.5" height="15" rx="1" fill="currentColor"/></svg>';

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

export class App {
  config: PlaygroundConfig;
  host?: TrainerHost;
  readonly availability = new Map<BackendId, Availability>();
  readonly history = new History();
  running = false;
  step = 0;
  exampleIndex = 0;
  layerView = 0;
  inspection?: Inspection;
  stepGradNorms?: (number | null)[][];
  compareRows?: CompareRow[];
  lastError = '';
  /** Counters the end-to-end tests read. */
  readonly counts = { trainCalls: 0, evaluations: 0, inspections: 0, taskUpdates: 0, switches: 0, refreshes: 0 };
  #queue: Promise<unknown> = Promise.resolve();
  #inflight = 0;
  #loop?: Promise<void>;
  #lastEvalAt = 0;
  #lastInspectAt = 0;
  #evalMs = 0;
  #inspectMs = 0;
  #taskView?: TaskView;
  #charts!: { loss: LineChart; metric: LineChart; grad: LineChart; speed: LineChart };
  #gateCanvases = new Map<string, HTMLCanvasElement>();
  /** The text whose words the generation task trains on ('' = the name lists). */
  ownText = '';
  /** The run at its lowest validation loss so far (a playground file), for "Restore best". */
  best?: { step: number; valLoss: number; file: string };
  /** A notice (an error, an ignored link value) is on the status line: routine messages wait until the user acts. */
  #noticeShown = false;

  constructor() {
    const { config, problems } = configFromQuery(location.search);
    this.config = config;
    if (problems.length) this.notice(`Ignored in the link: ${problems.join('; ')}.`);
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** Runs `fn` on the host after every call queued before it. */
  call<T>(fn: (h: TrainerHost) => Promise<T>): Promise<T> {
    this.#inflight++;
    const run = this.#queue.then(() => {
      if (!this.host) throw new Error('no backend is running');
      return fn(this.host);
    });
    this.#queue = run.catch(() => undefined).finally(() => this.#inflight--);
    return run;
  }

  /**
   * A routine message (progress, "Paused at step 40"). It does not replace a notice the user has
   * not acted on yet; it is shown once they do.
   */
  status(text: string, error = false): void {
    if (error) this.notice(text, true);
    else if (!this.#noticeShown) this.#show(text, false);
  }

  /** A message that stays until the user acts (a click, a key, a changed control): errors, ignored values. */
  notice(text: string, error = false): void {
    this.#noticeShown = true;
    this.#show(text, error);
    if (error) this.lastError = text;
  }

  #show(text: string, error: boolean): void {
    const s = document.getElementById('status');
    if (!s) return;
    s.textContent = text;
    s.classList.toggle('error', error);
  }

  /** The user acted: the next routine message may replace the notice. */
  #acted(): void {
    if (!this.#noticeShown) return;
    this.#noticeShown = false;
  }

  /** An unexpected failure: shown on the page and logged (the e2e tests fail on it). */
  fail(where: string, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.notice(`${where}: ${msg}`, true);
    console.error(`[playground] ${where}:`, e);
  }

  // ---- start ------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.#mountStatic();
    $('play').innerHTML = PLAY_ICON;
    writeConfig(this.config);
    this.#renderBackends();
    watchControls((key) => void this.#onConfig(key));
    const wanted = this.config.backend;
    this.availability.set('cpu', await probe('cpu'));
    let first: BackendId = wanted;
    if (wanted !== 'cpu') {
      const a = await probe(wanted);
      this.availability.set(wanted, a);
      if (!a.ok) {
        first = 'cpu';
        this.notice(`The link asks for ${wanted}, which cannot start here (${a.reason}); using CPU.`, false);
      }
    }
    this.config.backend = first;
    this.#renderBackends();
    try {
      this.host = await createHost(first);
      await this.#newModel();
    } catch (e) {
      this.fail('Starting', e);
    }
    // Probe the other backends in the background; the list shows each one's status.
    for (const b of BACKENDS)
      if (!this.availability.has(b.id))
        void probe(b.id).then((a) => {
          this.availability.set(b.id, a);
          this.#renderBackends();
        });
  }

  /** Not training and no call to the host pending (the tests wait for this). */
  get idle(): boolean {
    return !this.running && this.#loop === undefined && this.#inflight === 0;
  }

  /** True once every backend's probe has finished. */
  get probed(): boolean {
    return BACKENDS.every((b) => this.availability.has(b.id));
  }

  #mountStatic(): void {
    $('legend-tanh').style.background = cssGradient(TANH_SCALE);
    $('legend-sigmoid').style.background = cssGradient(SIGMOID_SCALE);
    const fmtMetric = (v: number) => (PERCENT_METRIC.has(this.config.task) ? `${(100 * v).toFixed(0)}%` : v.toFixed(2));
    this.#charts = {
      loss: new LineChart($('chart-loss'), {
        xLabel: 'step',
        yLabel: 'loss',
        logY: true,
        series: [
          { label: 'batch', color: 'rgba(37,99,235,0.25)', width: 1 },
          { label: 'train', color: '#2563eb', width: 2 },
          { label: 'validation', color: '#ea580c', width: 2, spanGaps: true },
        ],
        yFormat: (v) => (v >= 0.01 ? v.toPrecision(2) : v.toExponential(0)),
      }),
      metric: new LineChart($('chart-metric'), {
        xLabel: 'step',
        yLabel: '',
        series: [
          { label: 'train', color: '#2563eb', width: 2 },
          { label: 'validation', color: '#ea580c', width: 2, spanGaps: true },
        ],
        yFormat: fmtMetric,
        // Percentages span 0-100% (a metric stuck at 0 used to auto-range to ±10000%).
        yRange: () => (PERCENT_METRIC.has(this.config.task) && !UNBOUNDED_METRIC.has(this.config.task) ? [0, 1] : undefined),
      }),
      grad: this.#gradChart(1),
      speed: new LineChart($('chart-speed'), {
        xLabel: 'step',
        yLabel: 'ms',
        height: 160,
        series: [{ label: 'ms per step', color: '#0f766e', width: 1.5 }],
        yFormat: (v) => v.toFixed(0),
      }),
    };
    $('play').addEventListener('click', () => (this.running ? this.pause() : this.run()));
    $('step').addEventListener('click', () => void this.stepOnce());
    $('reset').addEventListener('click', () => void this.reset());
    $('compare').addEventListener('click', () => void this.compare());
    $('restore-best').addEventListener('click', () => void this.restoreBest());
    $('save').addEventListener('click', () => void this.save());
    $('share').addEventListener('click', () => void this.share());
    $<HTMLInputElement>('load-file').addEventListener('change', (ev) => {
      const input = ev.target as HTMLInputElement;
      const files = [...(input.files ?? [])];
      input.value = '';
      if (files.length) void this.load(files);
    });
    // Any user action lets routine messages replace a notice again (capture: before the action's own messages).
    for (const type of ['pointerdown', 'keydown', 'change'])
      document.addEventListener(type, () => this.#acted(), { capture: true });
    const ex = $<HTMLInputElement>('example');
    const setExample = (i: number) => {
      this.exampleIndex = Math.max(0, i);
      ex.value = String(this.exampleIndex + 1);
      void this.#inspect().then(() => {
        this.#renderInside();
        if (this.#taskView?.followsExample) void this.#taskView.update();
      });
    };
    ex.addEventListener('change', () => setExample(Number(ex.value) - 1 || 0));
    $('example-prev').addEventListener('click', () => setExample(this.exampleIndex - 1));
    $('example-next').addEventListener('click', () => setExample(this.exampleIndex + 1));
    $<HTMLSelectElement>('layer-view').addEventListener('change', (ev) => {
      this.layerView = Number((ev.target as HTMLSelectElement).value);
      this.#renderInside();
    });
    document.addEventListener('keydown', (ev) => {
      const t = ev.target as HTMLElement;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || t.closest('input, select, textarea, button, label')) return;
      if (ev.key === ' ') {
        ev.preventDefault();
        this.running ? this.pause() : this.run();
      } else if (ev.key === 's' || ev.key === 'S') void this.stepOnce();
      else if (ev.key === 'r' || ev.key === 'R') void this.reset();
    });
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => this.#renderInside(), 120);
    });
  }

  /** The gradient-per-step chart, one series per recurrent layer (named as the run names them). */
  #gradChart(layers: number | string[]): LineChart {
    const colors = ['#7c3aed', '#0891b2', '#65a30d'];
    const names = typeof layers === 'number' ? Array.from({ length: layers }, (_, l) => `layer ${l + 1}`) : layers;
    return new LineChart($('chart-grad'), {
      xLabel: 'time step t',
      yLabel: '‖∂loss/∂hₜ‖',
      logY: true,
      series: names.map((label, l) => ({ label, color: colors[l % colors.length], width: 2 })),
      yFormat: (v) => v.toExponential(0),
    });
  }

  // ---- configuration -----------------------------------------------------------------------

  async #onConfig(key: keyof PlaygroundConfig): Promise<void> {
    const prev = this.config;
    const problems: string[] = [];
    const next = readConfig(prev, problems);
    if (problems.length) this.notice(problems.join(' '), true);
    if (key === 'seed' && next.seed === prev.seed) {
      writeConfig(prev);
      return;
    }
    if (key === 'task' && next.task !== prev.task) next.seqLen = SEQ_LEN[next.task].value;
    this.config = next;
    writeConfig(next);
    this.#updateUrl();
    const structural = ['task', 'seqLen', 'cell', 'units', 'layers', 'seed'].includes(key);
    try {
      if (structural) {
        const wasRunning = this.running;
        await this.pause();
        await this.#newModel();
        if (wasRunning) this.run();
      } else await this.call((h) => h.setTrainConfig(trainPart(next)));
      if (problems.length === 0) this.#acted();
    } catch (e) {
      this.fail('Applying the setting', e);
    }
  }

  #updateUrl(): void {
    history.replaceState(null, '', `${location.pathname}?${configToQuery(this.config)}`);
  }

  #renderBackends(): void {
    const list = $('backend-list');
    list.replaceChildren(
      ...BACKENDS.map((b) => {
        const a = this.availability.get(b.id);
        const row = document.createElement('div');
        row.className = `backend${a && !a.ok ? ' unavailable' : ''}${this.config.backend === b.id ? ' active' : ''}`;
        row.dataset.backend = b.id;
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = 'backend';
        input.id = `backend-${b.id}`;
        input.value = b.id;
        input.checked = this.config.backend === b.id;
        input.disabled = !a?.ok;
        input.setAttribute('aria-describedby', `backend-${b.id}-why`);
        input.addEventListener('change', () => void this.switchBackend(b.id));
        const label = document.createElement('label');
        label.htmlFor = input.id;
        label.textContent = b.label;
        const why = document.createElement('span');
        why.className = 'why';
        why.id = `backend-${b.id}-why`;
        why.textContent = !a ? 'checking…' : a.ok ? (a.detail ?? 'ready') : (a.reason ?? 'unavailable');
        row.append(input, label, why);
        return row;
      }),
    );
  }

  // ---- model lifecycle -------------------------------------------------------------------------

  /** A fresh model from the configuration, then the first views. */
  async #newModel(): Promise<void> {
    const c = this.config;
    const r = await this.call((h) => h.init(modelPart(c), trainPart(c)));
    // The run may fix a setting (the g2p encoder-decoder has one layer of each).
    if (r.model.layers !== c.layers) {
      this.config = { ...c, layers: r.model.layers };
      writeConfig(this.config);
    }
    await this.#adopt(r);
    const shape = r.model.task === 'g2p' ? `encoder-decoder, ${c.units} units` : `${r.model.layers} × ${c.units} units`;
    this.status(`New ${c.cell} model, ${shape}, on ${this.#label(c.backend)}. Press the play button (or Space) to train.`);
  }

  /** The views for the run the host now holds (new or loaded). */
  async #adopt(r: RunInfo, history?: Point[]): Promise<void> {
    const c = this.config;
    this.step = r.step;
    this.history.clear();
    if (history) this.history.load(history);
    this.stepGradNorms = undefined;
    this.best = undefined;
    this.#charts.grad.destroy();
    this.#charts.grad = this.#gradChart(r.layerNames);
    $('grad-readout').textContent = '';
    this.inspection = undefined;
    this.exampleIndex = 0;
    $<HTMLInputElement>('example').value = '1';
    this.layerView = Math.min(this.layerView, r.layerNames.length - 1);
    $<HTMLSelectElement>('layer-view').replaceChildren(
      ...r.layerNames.map((name, l) => {
        const o = document.createElement('option');
        o.value = String(l);
        o.textContent = name;
        return o;
      }),
    );
    $<HTMLSelectElement>('layer-view').value = String(this.layerView);
    $('metric-title').textContent = TASK_METRIC[c.task];
    this.#taskView = createTaskView(c.task, {
      call: (fn) => this.call(fn),
      step: () => this.step,
      seqLen: () => this.config.seqLen,
      exampleIndex: () => this.exampleIndex,
      ownText: () => this.ownText,
      useOwnText: (text) => this.useOwnText(text),
    });
    $('task-view-title').textContent = this.#taskView.title;
    this.#taskView.mount($('task-view'));
    $('task-blurb').textContent = r.blurb;
    this.#gateCanvases.clear();
    $('gates').replaceChildren();
    await this.#refresh(true);
  }

  #label(id: BackendId): string {
    return BACKENDS.find((b) => b.id === id)?.label ?? id;
  }

  /** A new model of the generation task on the words of `text`, or on the name lists (null); on failure nothing changes. */
  async useOwnText(text: string | null): Promise<void> {
    const was = this.running;
    await this.pause();
    try {
      const words = text === null ? null : splitWords(text);
      const r = await this.call((h) => h.useWords(words, modelPart(this.config), trainPart(this.config)));
      this.ownText = text ?? '';
      await this.#adopt(r);
      this.notice(text === null ? 'Back to the name lists: a new model.' : `A new model on your words. ${r.blurb}`);
    } catch (e) {
      this.notice(`Could not train on that text: ${(e as Error).message} The current model stays.`, true);
    }
    if (was) this.run();
  }

  async reset(): Promise<void> {
    const was = this.running;
    await this.pause();
    try {
      await this.#newModel();
    } catch (e) {
      this.fail('Reset', e);
    }
    if (was) this.run();
  }

  // ---- training ----------------------------------------------------------------------------

  run(): void {
    if (this.running || !this.host) return;
    this.running = true;
    const play = $('play');
    play.innerHTML = PAUSE_ICON;
    play.classList.add('running');
    play.setAttribute('aria-label', 'Pause training');
    this.status(`Training on ${this.#label(this.config.backend)}…`);
    this.#loop = this.#trainLoop().catch((e) => {
      this.fail('Training', e);
      void this.pause();
    });
  }

  async pause(): Promise<void> {
    this.running = false;
    const play = $('play');
    play.innerHTML = PLAY_ICON;
    play.classList.remove('running');
    play.setAttribute('aria-label', 'Start training');
    const wasLooping = this.#loop !== undefined;
    await this.#loop;
    this.#loop = undefined;
    if (wasLooping && !$('status').classList.contains('error')) this.status(`Paused at step ${this.step}.`);
  }

  async #trainLoop(): Promise<void> {
    while (this.running) {
      const ms = this.history.medianMs(10) ?? 50;
      const n = Math.max(1, Math.min(25, Math.round(80 / Math.max(ms, 1))));
      // The views inside read many small tensors (slow on gpu.js): at most a fifth of the time goes to them.
      const inspect = performance.now() - this.#lastInspectAt > Math.max(600, 5 * this.#inspectMs);
      const rs = await this.call((h) => h.train(n, inspect));
      if (!this.#took(rs)) return;
      // Validate at most every 1.5 s, and spend at most a fifth of the time on it.
      const full = performance.now() - this.#lastEvalAt > Math.max(1500, 5 * this.#evalMs);
      await this.#refresh(full, inspect);
      await nextFrame();
    }
  }

  /** Records step results; false (and paused) when the loss stopped being a number. */
  #took(rs: StepResult[]): boolean {
    this.counts.trainCalls++;
    for (const r of rs) {
      this.history.addStep(r);
      this.step = r.step;
      if (r.stepGradNorms) this.stepGradNorms = r.stepGradNorms;
      if (r.diverged || !Number.isFinite(r.loss)) {
        this.running = false;
        void this.pause();
        this.notice(
          `Training stopped at step ${r.step}: ${r.diverged ?? `the loss became ${r.loss}.`} Lower the learning rate or turn on gradient clipping, then go on or reset.`,
          true,
        );
        this.#renderCharts();
        return false;
      }
    }
    return true;
  }

  async stepOnce(): Promise<void> {
    if (this.running) await this.pause();
    try {
      const rs = await this.call((h) => h.train(1, true));
      if (this.#took(rs)) {
        await this.#refresh(true, true);
        this.status(`Trained one batch: step ${this.step}, loss ${rs[0].loss.toFixed(4)}.`);
      }
    } catch (e) {
      this.fail('Step', e);
    }
  }

  /** Validation + task view (full) and/or the views inside the network, then redraw. */
  async #refresh(full: boolean, inspect = full): Promise<void> {
    if (full) {
      const t0 = performance.now();
      const v = await this.call((h) => h.evaluate());
      this.#lastEvalAt = performance.now();
      this.#evalMs = this.#lastEvalAt - t0;
      this.counts.evaluations++;
      this.history.addValidation(this.step, v);
      await this.#keepBest(v.loss);
      await this.#breathe();
      await this.#taskView?.update(v);
      this.counts.taskUpdates++;
      await this.#breathe();
    }
    if (inspect) await this.#inspect();
    this.#renderCharts();
    if (inspect) this.#renderInside();
    this.counts.refreshes++;
  }

  /** A task's turn for input and painting between host calls (GPU backends run on the page's thread). */
  #breathe(): Promise<void> {
    return this.host?.backend === 'cpu' ? Promise.resolve() : new Promise((r) => setTimeout(r, 0));
  }

  /** Keeps a snapshot of the run when the validation loss is the lowest so far; "Restore best" goes back to it. */
  async #keepBest(valLoss: number): Promise<void> {
    if (Number.isFinite(valLoss) && (!this.best || valLoss < this.best.valLoss)) {
      const step = this.step;
      const file = await this.call((h) => h.exportFile(this.history.toJSON()));
      this.best = { step, valLoss, file };
    }
    const btn = $<HTMLButtonElement>('restore-best');
    const b = this.best;
    btn.disabled = !b || b.step === this.step;
    btn.textContent = b && b.step !== this.step ? `Restore best (step ${b.step})` : 'Restore best';
  }

  /** Goes back to the weights (and optimizer, step, batches, curves) of the lowest validation loss so far. */
  async restoreBest(): Promise<void> {
    const b = this.best;
    if (!b) return;
    const was = this.running;
    await this.pause();
    try {
      const r = await this.call((h) => h.load([{ name: `best-step-${b.step}.json`, bytes: new TextEncoder().encode(b.file) }], { batchSize: this.config.batchSize }));
      await this.#adopt(r, r.history);
      this.best = b;
      await this.#keepBest(b.valLoss);
      this.notice(`Restored the weights of step ${b.step}, where the validation loss was lowest (${b.valLoss.toFixed(4)}).`);
    } catch (e) {
      this.fail('Restore best', e);
    }
    if (was) this.run();
  }

  async #inspect(): Promise<void> {
    const t0 = performance.now();
    this.inspection = await this.call((h) => h.inspect(this.exampleIndex));
    this.#lastInspectAt = performance.now();
    this.#inspectMs = this.#lastInspectAt - t0;
    this.counts.inspections++;
  }

  // ---- drawing -----------------------------------------------------------------------------

  #renderCharts(): void {
    const h = this.history;
    const x = h.points.map((p) => p.step);
    this.#charts.loss.setData(x, [h.column('loss'), h.smoothLoss.map((v) => (Number.isNaN(v) ? null : v)), h.column('valLoss')]);
    this.#charts.metric.setData(x, [h.smoothMetric.map((v) => (Number.isNaN(v) ? null : v)), h.column('valMetric')]);
    const timed = h.points.filter((p) => p.ms !== undefined);
    this.#charts.speed.setData(
      timed.map((p) => p.step),
      [timed.map((p) => p.ms!)],
    );
    const norms = this.stepGradNorms;
    if (norms) {
      // Layers may have different lengths (the g2p encoder reads letters, the decoder phonemes): pad with gaps.
      const T = Math.max(...norms.map((n) => n.length));
      this.#charts.grad.setData(
        Array.from({ length: T }, (_, t) => t),
        norms.map((n) => Array.from({ length: T }, (_, t) => n[t] ?? null)),
      );
      // The last step some example of the batch reached (later steps may be padding in all of them).
      const row = norms[0];
      let lastT = T - 1;
      while (lastT > 0 && !(row[lastT] !== null && row[lastT]! > 0)) lastT--;
      const first = row[0];
      $('grad-readout').textContent =
        first !== null && first > 0 && lastT > 0
          ? `layer 1, step 0 ÷ step ${lastT}: ${(first / row[lastT]!).toExponential(1)}${lastT < T - 1 ? ' (then padding)' : ''}`
          : lastT === 0
            ? 'layer 1: the batch is one step long'
            : 'layer 1: no gradient reached step 0';
    }
    $('step-count').textContent = String(this.step);
    const ms = h.medianMs();
    $('ms-step').textContent = ms === undefined ? '–' : ms.toFixed(1);
    $('speed-readout').textContent = ms === undefined ? '' : `median ${ms.toFixed(1)} ms on ${this.#label(this.config.backend)}`;
    const lastTrain = [...h.smoothLoss].reverse().find((v) => !Number.isNaN(v));
    const val = h.lastValidation();
    $('loss-readout').textContent =
      (lastTrain !== undefined ? `train ${lastTrain.toFixed(4)}` : '') + (val?.valLoss !== undefined ? `  ·  validation ${val.valLoss.toFixed(4)}` : '');
    const fmt = (v: number) => (PERCENT_METRIC.has(this.config.task) ? `${(100 * v).toFixed(1)}%` : `${v.toFixed(2)} °C`);
    $('metric-readout').textContent = val?.valMetric !== undefined ? `validation ${fmt(val.valMetric)}` : '';
  }

  /** Hidden-state heatmap and gate heatmaps of the inspected example. */
  #renderInside(): void {
    const ins = this.inspection;
    if (!ins) return;
    const l = Math.min(this.layerView, ins.hidden.length - 1);
    const stepLabels = ins.layerStepLabels[l];
    const T = stepLabels.length;
    const H = ins.units;
    $('example-text').textContent = `Example ${ins.exampleIndex + 1}: ${ins.text}`;
    const hidden = $<HTMLCanvasElement>('hidden-canvas');
    drawHeatmap(hidden, { data: ins.hidden[l], T, rows: H, stride: H, offset: 0, stepLabels, scale: TANH_SCALE }, Math.min(240, Math.max(120, H * 4 + 20)));
    hidden.dataset.draws = String(Number(hidden.dataset.draws ?? 0) + 1);
    const g = ins.gates[l];
    const box = $('gates');
    if (g.names.length === 0) {
      this.#gateCanvases.clear();
      box.replaceChildren(Object.assign(document.createElement('p'), { className: 'none', textContent: 'A SimpleRNN has no gates: h′ = tanh(x Wx + h Wh + b).' }));
      $('gates-note').textContent = '';
      $('gates-legend').hidden = true;
      return;
    }
    $('gates-legend').hidden = false;
    const G = g.names.length;
    const about: Record<string, string> = {
      i: 'input gate i',
      f: 'forget gate f',
      g: 'candidate g',
      o: 'output gate o',
      r: 'reset gate r',
      z: 'update gate z',
      n: 'candidate n',
    };
    if (this.#gateCanvases.size !== G || !g.names.every((n) => this.#gateCanvases.has(n))) {
      this.#gateCanvases.clear();
      box.replaceChildren(
        ...g.names.map((n) => {
          const wrap = document.createElement('div');
          const c = document.createElement('canvas');
          c.setAttribute('role', 'img');
          c.setAttribute('aria-label', `Heatmap of the ${about[n] ?? n} of each unit at each step`);
          c.dataset.gate = n;
          wrap.append(c);
          this.#gateCanvases.set(n, c);
          return wrap;
        }),
      );
    }
    g.names.forEach((n, k) => {
      const c = this.#gateCanvases.get(n)!;
      const tanhGate = n === 'g' || n === 'n';
      drawHeatmap(
        c,
        { data: g.data, T, rows: H, stride: G * H, offset: k * H, stepLabels, scale: tanhGate ? TANH_SCALE : SIGMOID_SCALE },
        Math.min(130, Math.max(80, H * 2 + 36)),
        about[n] ?? n,
      );
      c.dataset.draws = String(Number(c.dataset.draws ?? 0) + 1);
    });
    $('gates-note').textContent = `${ins.layerNames[l]}, example ${ins.exampleIndex + 1}`;
  }

  // ---- backends ----------------------------------------------------------------------------

  /**
   * Moves the run (weights, optimizer state, batch stream, step) to another backend: between
   * page backends with the library's `toBackend`; to or from the CPU worker as a saved model
   * through the same load path as a file.
   */
  async switchBackend(id: BackendId): Promise<void> {
    if (id === this.config.backend && this.host?.backend === id) return;
    const was = this.running;
    await this.pause();
    const from = this.config.backend;
    this.status(`Moving the model from ${this.#label(from)} to ${this.#label(id)}…`);
    try {
      const cur = this.host;
      if (cur?.moveTo && id !== 'cpu') {
        await this.call((h) => h.moveTo!(id as PageBackendId));
      } else {
        const file = await this.call((h) => h.exportFile([]));
        const host = await createHost(id);
        try {
          await host.load([{ name: 'move.json', bytes: new TextEncoder().encode(file) }], { batchSize: this.config.batchSize });
        } catch (e) {
          host.close();
          throw e;
        }
        const old = this.host;
        this.#queue = this.#queue.then(() => {
          this.host = host;
          old?.close();
        });
        await this.#queue;
      }
      this.config.backend = id;
      this.counts.switches++;
      this.#updateUrl();
      this.#renderBackends();
      await this.#refresh(true);
      this.status(`Now training on ${this.#label(id)} from step ${this.step}, with the same weights and optimizer state.`);
      if (was) this.run();
    } catch (e) {
      this.config.backend = from;
      this.#renderBackends();
      this.notice(`Could not move to ${this.#label(id)}: ${(e as Error).message}. Still on ${this.#label(from)}.`, true);
      if (was) this.run();
    }
  }

  async compare(): Promise<void> {
    const btn = $<HTMLButtonElement>('compare');
    const was = this.running;
    await this.pause();
    btn.disabled = true;
    btn.textContent = 'Comparing…';
    const card = $('card-compare');
    card.hidden = false;
    try {
      const file = await this.call((h) => h.exportFile([]));
      const ids = BACKENDS.filter((b) => this.availability.get(b.id)?.ok).map((b) => b.id);
      const rows = await compareBackends(ids, file, (t) => this.status(t));
      const skipped = BACKENDS.filter((b) => !ids.includes(b.id)).map((b) => ({
        id: b.id,
        label: b.label,
        ok: false,
        reason: this.availability.get(b.id)?.reason ?? 'not available',
      }));
      this.compareRows = [...rows, ...skipped];
      renderCompare($('compare-body'), this.compareRows);
      $('compare-note').textContent = `${this.config.cell}, ${this.config.layers} × ${this.config.units} units, batch ${this.config.batchSize}, T = ${this.config.seqLen}; from step ${this.step}, same batches`;
      this.status(
        `Comparison done: the library's training step on the same weights and batches; each backend warmed up for ${COMPARE.warmup} steps, then ${COMPARE.rounds} rounds of ${COMPARE.steps} timed steps, taking turns.`,
      );
      card.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    } catch (e) {
      this.fail('Compare', e);
    } finally {
      btn.disabled = false;
      btn.textContent = 'Compare backends';
    }
    if (was) this.run();
  }

  // ---- save, load, share --------------------------------------------------------------------

  async save(): Promise<void> {
    try {
      const text = await this.call((h) => h.exportFile(this.history.toJSON()));
      const blob = new Blob([text], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `recurrent-${this.config.task}-${this.config.cell}-step${this.step}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      this.status(`Saved the model at step ${this.step} (${(blob.size / 1024).toFixed(0)} KB): the library's format inside, so loadModel reads it in Node.`);
    } catch (e) {
      this.fail('Save', e);
    }
  }

  /**
   * Loads a playground save, or model.json + weights.bin (+ optimizer.bin) from `model.save`,
   * through the library's validated format. A failed load changes nothing: the current model,
   * its step and optimizer, the settings and the curves stay, and the message stays until the
   * user acts.
   */
  async load(files: File[]): Promise<void> {
    const names = files.map((f) => f.name).join(' + ');
    const total = files.reduce((n, f) => n + f.size, 0);
    if (total > MAX_FILE_BYTES) {
      this.notice(`Could not load ${names}: ${total} bytes is more than a playground model (at most ${MAX_FILE_BYTES} bytes). Nothing changed.`, true);
      return;
    }
    const was = this.running;
    await this.pause();
    try {
      const picked: PickedFile[] = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      const r = await this.call((h) => h.load(picked, { batchSize: this.config.batchSize }));
      this.config = { ...r.model, ...r.train, backend: this.config.backend };
      this.ownText = r.words?.join(' ') ?? '';
      writeConfig(this.config);
      this.#updateUrl();
      await this.#adopt(r, r.history);
      this.notice(
        `Loaded ${r.source}: ${r.model.cell} on the ${r.model.task} task, step ${r.step}` +
          (r.inferred ? ' (a library model: the task was recognised from its inputs and head; sequence length and batch size are the defaults)' : '') +
          '. Training continues from there.',
      );
      if (was) this.run();
    } catch (e) {
      this.notice(`Could not load ${names}: ${(e as Error).message} Nothing changed: the current model stays.`, true);
      if (was) this.run();
    }
  }

  async share(): Promise<void> {
    this.#updateUrl();
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      this.status('Link copied: it opens this configuration.');
    } catch {
      this.status(`Link to this configuration: ${url}`);
    }
  }
}
