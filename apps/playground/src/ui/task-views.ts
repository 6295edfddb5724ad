/**
 * The task card: what the model does with its task right now. Names: P(female) for held-out
 * names and for a name you type. Generation: sampled names at a chosen temperature. Weather:
 * predicted against true highs over the validation period. Adding problem: validation error
 * against the always-1 baseline. Digits: the inspected test image and the next ones with the
 * model's probabilities for 0-9. g2p: the pronunciation of a word you type (greedy and beam),
 * the attention map of the decoder over its letters, and the held-out scores against the
 * nearest-spelling baseline.
 */
import type { TrainerHost } from '../backends/host.js';
import type { TaskId } from '../model/config.js';
import { G2P_BEAM } from '../model/run.js';
import { LineChart } from './chart.js';
import { SIGMOID_SCALE } from './colormap.js';
import { drawHeatmap } from './heatmap.js';

export interface TaskViewContext {
  /** Runs a call on the current host, after any call already queued. */
  call<T>(fn: (h: TrainerHost) => Promise<T>): Promise<T>;
  step(): number;
  seqLen(): number;
  /** The validation example the hidden-state view shows. */
  exampleIndex(): number;
  /** The pasted text the generation task trains on (empty: the name lists). */
  ownText(): string;
  /** Trains a new model on the words of `text`, or on the name lists again (null). */
  useOwnText(text: string | null): Promise<void>;
}

export interface TaskView {
  readonly title: string;
  /** Shows the example the hidden-state view inspects (refreshed when that example changes). */
  readonly followsExample?: boolean;
  mount(el: HTMLElement): void;
  /** Refresh after training moved on (called with the latest validation numbers). */
  update(val?: { loss: number; metric: number }): Promise<void>;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...kids);
  return e;
}

const SHOWCASE = ['Emma', 'Oliver', 'Sophia', 'Liam', 'Isabella', 'Mason', 'Charlotte', 'Lucas'];

function probList(items: { name: string; p: number }[], what = 'P(female)'): HTMLUListElement {
  const ul = el('ul', { className: 'prob-list' });
  for (const it of items) {
    const bar = el('span', { className: 'bar' });
    const fill = el('i');
    fill.style.width = `${(it.p * 100).toFixed(1)}%`;
    bar.append(fill);
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', `${what} ${it.p.toFixed(2)}`);
    ul.append(el('li', {}, el('span', { textContent: it.name }), bar, el('span', { className: 'p', textContent: it.p.toFixed(2) })));
  }
  return ul;
}

function namesView(ctx: TaskViewContext): TaskView {
  const showcase = el('div');
  const tried = el('div');
  const input = el('input', { id: 'try-name', type: 'text', placeholder: 'Type names, separated by spaces', value: 'Alexis Jordan Mika' });
  const go = el('button', { type: 'button', textContent: 'Classify' });
  const tryNames = async () => {
    const names = input.value.split(/[\s,]+/).filter((s) => /[a-z]/i.test(s)).slice(0, 8);
    if (names.length === 0) return tried.replaceChildren();
    const ps = await ctx.call((h) => h.classify(names));
    tried.replaceChildren(probList(names.map((name, i) => ({ name, p: ps[i] }))));
  };
  go.addEventListener('click', () => void tryNames());
  input.addEventListener('keydown', (ev) => ev.key === 'Enter' && void tryNames());
  return {
    title: 'P(female) for a few names',
    mount(root) {
      const label = el('label', { htmlFor: 'try-name', className: 'visually-hidden', textContent: 'Names to classify' });
      root.replaceChildren(
        el(
          'div',
          { className: 'task-grid' },
          el('div', {}, el('p', { className: 'caption', textContent: 'Common names (not all in the data): the pink bar is P(female).' }), showcase),
          el('div', {}, el('p', { className: 'caption', textContent: 'Try your own:' }), el('div', { className: 'try' }, label, input, go), tried),
        ),
      );
    },
    async update() {
      const ps = await ctx.call((h) => h.classify(SHOWCASE));
      showcase.replaceChildren(probList(SHOWCASE.map((name, i) => ({ name, p: ps[i] }))));
      await tryNames();
    },
  };
}

function generateView(ctx: TaskViewContext): TaskView {
  const list = el('div', { className: 'samples', id: 'samples' });
  list.setAttribute('aria-live', 'polite');
  const temp = el('input', { id: 'temperature', type: 'range', min: '0', max: '2', step: '0.1', value: '0.8' });
  const tempOut = el('output', { textContent: '0.8' });
  tempOut.htmlFor.add('temperature');
  // Letters every sampled name starts with (letters outside a-z and '-' are left out).
  const prime = el('input', { id: 'prime', type: 'text', maxLength: 8, placeholder: 'e.g. ma', autocomplete: 'off', spellcheck: false });
  const again = el('button', { type: 'button', textContent: 'Sample again', id: 'sample-again' });
  let draw = 0;
  const sample = async () => {
    draw++;
    const names = await ctx.call((h) => h.sample(14, Number(temp.value), ctx.step() * 1000 + draw, prime.value));
    list.replaceChildren(
      ...names.map((n) => el('span', { className: n.known ? 'known' : '', title: n.known ? 'in the training names' : 'a new name', textContent: n.name || '∅' })),
    );
  };
  const showTemp = () => (tempOut.textContent = Number(temp.value) === 0 ? '0 (greedy: the likeliest letter)' : temp.value);
  temp.addEventListener('input', showTemp);
  temp.addEventListener('change', () => void sample());
  prime.addEventListener('change', () => void sample());
  // Your own words: paste any text; its words become the training data (a new model).
  const own = el('textarea', { id: 'own-text', rows: 3, value: ctx.ownText(), placeholder: 'Paste any text: its words (letters a-z and -) become the training data.' });
  const useOwn = el('button', { type: 'button', id: 'use-own-text', textContent: 'Train on these words' });
  const useNames = el('button', { type: 'button', id: 'use-names', textContent: 'Back to the name lists', disabled: ctx.ownText() === '' });
  useOwn.addEventListener('click', () => void ctx.useOwnText(own.value));
  useNames.addEventListener('click', () => void ctx.useOwnText(null));
  again.addEventListener('click', () => void sample());
  return {
    title: 'Sampled names',
    mount(root) {
      root.replaceChildren(
        el(
          'div',
          { className: 'task-grid' },
          el(
            'div',
            {},
            list,
            el('p', { className: 'caption', textContent: 'Blue names are new; grey ones are in the training data. Low temperature: safe, repetitive; high: adventurous; 0: always the likeliest letter.' }),
          ),
          el(
            'div',
            {},
            el('label', { htmlFor: 'temperature', className: 'field-label', textContent: 'Temperature ' }, tempOut),
            temp,
            el('div', {}, el('label', { htmlFor: 'prime', className: 'field-label', textContent: 'Starts with ' }), prime),
            el('label', { htmlFor: 'own-text', className: 'field-label', textContent: 'Your own words (a new model)' }),
            own,
            el('div', {}, useOwn, ' ', useNames),
            el('div', {}, again),
          ),
        ),
      );
    },
    update: () => sample(),
  };
}

function weatherView(ctx: TaskViewContext): TaskView {
  const host = el('div', { className: 'chart', id: 'chart-forecast' });
  let chart: LineChart | undefined;
  const note = el('p', { className: 'caption' });
  return {
    title: 'Predicted vs. true daily high, validation period',
    mount(root) {
      root.replaceChildren(host, note);
      chart = new LineChart(host, {
        xLabel: 'date',
        yLabel: '°C',
        time: true,
        height: 220,
        series: [
          { label: 'true high', color: '#0f172a', width: 1.2 },
          { label: 'predicted', color: '#ea580c', width: 1.6 },
        ],
        yFormat: (v) => v.toFixed(0),
      });
    },
    async update() {
      const f = await ctx.call((h) => h.forecast());
      const x = f.dates.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
      chart?.setData(x, [f.truth, f.pred]);
      let naive = 0;
      for (let i = 1; i < f.truth.length; i++) naive += Math.abs(f.truth[i] - f.truth[i - 1]);
      note.textContent = `For scale: “tomorrow = today” is off by ${(naive / (f.truth.length - 1)).toFixed(2)} °C on average over these days.`;
    },
  };
}

function addingView(ctx: TaskViewContext): TaskView {
  const big = el('div', { className: 'big-number', id: 'adding-mse' });
  const text = el('p', { className: 'caption' });
  return {
    title: 'Validation error against the baseline',
    mount(root) {
      root.replaceChildren(
        el(
          'div',
          { className: 'task-grid' },
          el('div', {}, big, text),
          el('p', {
            className: 'caption',
            textContent:
              'Try it: at T = 50, SimpleRNN stays at the baseline while LSTM and GRU drop far below it after a few hundred steps. ' +
              'The gradient chart shows why: for SimpleRNN, ‖∂loss/∂hₜ‖ shrinks by orders of magnitude towards the first steps.',
          }),
        ),
      );
    },
    async update(val) {
      if (!val) return;
      big.textContent = `MSE ${val.loss.toFixed(4)}`;
      const ratio = val.loss / 0.1667;
      text.textContent =
        `Always answering 1 scores 0.167. ${(100 * val.metric).toFixed(1)}% of the ${ctx.seqLen()}-step validation sequences are solved. ` +
        (ratio < 0.1 ? 'The model carries the first number across the sequence.' : ratio < 0.8 ? 'It is starting to remember.' : 'So far it has not learned to remember.');
    },
  };
}

/** A 28 x 28 grey image (ink dark on white) drawn `scale` times larger. */
function digitCanvas(pixels: Float32Array, scale: number, label: string): HTMLCanvasElement {
  const side = Math.round(Math.sqrt(pixels.length));
  const c = el('canvas', { width: side, height: side });
  c.style.width = c.style.height = `${side * scale}px`;
  c.style.imageRendering = 'pixelated';
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  const g = c.getContext('2d');
  if (g) {
    const img = g.createImageData(side, side);
    pixels.forEach((v, i) => {
      const grey = Math.round(255 * (1 - v));
      img.data.set([grey, grey, grey, 255], i * 4);
    });
    g.putImageData(img, 0, 0);
  }
  return c;
}

const DIGIT_STRIP = 10;

function digitsView(ctx: TaskViewContext): TaskView {
  const main = el('div', { id: 'digit-main' });
  const strip = el('div', { className: 'digit-strip', id: 'digit-strip' });
  return {
    title: 'The inspected test digit, its class probabilities, and the next test digits',
    followsExample: true,
    mount(root) {
      root.replaceChildren(
        el(
          'div',
          { className: 'task-grid' },
          el('div', {}, main),
          el('div', {}, el('p', { className: 'caption', textContent: 'The next test images: the model’s answer (red where wrong) and P.' }), strip),
        ),
      );
    },
    async update() {
      const ds = await ctx.call((h) => h.digits(ctx.exampleIndex(), DIGIT_STRIP + 1));
      const [d, ...rest] = ds;
      const guess = (p: number[]) => p.indexOf(Math.max(...p));
      main.replaceChildren(
        el(
          'div',
          { className: 'digit-card' },
          digitCanvas(d.pixels, 5, `test digit, a ${d.label}`),
          el('div', {}, el('p', { className: 'caption', textContent: `Example ${d.index + 1}: a ${d.label}. The model says ${guess(d.probs)}. The hidden-state view reads it row by row (28 steps).` }), probList(d.probs.map((p, k) => ({ name: String(k), p })), 'P')),
        ),
      );
      strip.replaceChildren(
        ...rest.map((r) => {
          const k = guess(r.probs);
          return el('figure', { className: k === r.label ? '' : 'wrong' }, digitCanvas(r.pixels, 2, `test digit, a ${r.label}`), el('figcaption', { textContent: `${k} ${r.probs[k].toFixed(2)}` }));
        }),
      );
    },
  };
}

function g2pView(ctx: TaskViewContext): TaskView {
  const input = el('input', { id: 'g2p-word', type: 'text', value: 'recurrent', maxLength: 12, autocomplete: 'off', spellcheck: false });
  const go = el('button', { type: 'button', id: 'g2p-go', textContent: 'Pronounce' });
  const said = el('div', { id: 'g2p-said', className: 'big-number' });
  said.setAttribute('aria-live', 'polite');
  const beam = el('p', { className: 'caption', id: 'g2p-beam' });
  const canvas = el('canvas', { id: 'attention-canvas' });
  canvas.setAttribute('role', 'img');
  const scores = el('p', { className: 'caption', id: 'g2p-scores' });
  const table = el('table', { className: 'g2p-examples', id: 'g2p-examples' });
  const show = async () => {
    try {
      const p = await ctx.call((h) => h.pronounce(input.value));
      said.textContent = p.greedy.join(' ') || '(nothing)';
      beam.textContent = `Beam search (width ${G2P_BEAM}): ${p.beam.join(' ') || '(nothing)'}. The map: where the decoder looked (attention weights, each row sums to 1) while it wrote each phoneme.`;
      // The weights [phoneme row, letter column] as the heatmap's step-major layout (column t = letter).
      const R = p.rows.length;
      const L = p.word.length;
      const byLetter = new Float32Array(L * R);
      for (let r = 0; r < R; r++) for (let t = 0; t < L; t++) byLetter[t * R + r] = p.attention[r * L + t];
      drawHeatmap(canvas, { data: byLetter, T: L, rows: R, stride: R, offset: 0, stepLabels: [...p.word], rowLabels: p.rows, scale: SIGMOID_SCALE }, Math.min(260, 40 + R * 16), 'attention: phoneme written × letter read');
      canvas.setAttribute('aria-label', `Attention of each phoneme of ${p.word} (${p.greedy.join(' ')}) over its letters`);
      canvas.dataset.draws = String(Number(canvas.dataset.draws ?? 0) + 1);
      canvas.dataset.word = p.word;
    } catch (e) {
      said.textContent = '';
      beam.textContent = (e as Error).message;
    }
  };
  go.addEventListener('click', () => void show());
  input.addEventListener('keydown', (ev) => ev.key === 'Enter' && void show());
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return {
    title: 'Pronounce a word, and where the decoder looks',
    mount(root) {
      const label = el('label', { htmlFor: 'g2p-word', className: 'field-label', textContent: 'A word (letters a-z, up to 12)' });
      root.replaceChildren(
        el(
          'div',
          { className: 'task-grid' },
          el('div', {}, label, el('div', { className: 'try' }, input, go), said, beam, el('div', { className: 'heatmap' }, canvas)),
          el('div', {}, scores, table),
        ),
      );
    },
    async update() {
      const s = await ctx.call((h) => h.g2pScores());
      scores.textContent =
        `Held-out words at step ${s.step}: phoneme error rate ${pct(s.model.phonemeErrorRate)} (nearest spelling: ${pct(s.baseline.phonemeErrorRate)}), ` +
        `words all right ${pct(s.model.wordAccuracy)} (nearest spelling: ${pct(s.baseline.wordAccuracy)}). Greedy decoding.`;
      table.replaceChildren(
        el('tr', {}, el('th', { textContent: 'word' }), el('th', { textContent: 'CMUdict' }), el('th', { textContent: 'model' })),
        ...s.examples.map((x) => {
          const ok = x.predicted.join(' ') === x.reference.join(' ');
          return el('tr', { className: ok ? '' : 'wrong' }, el('td', { textContent: x.word }), el('td', { textContent: x.reference.join(' ') }), el('td', { textContent: x.predicted.join(' ') }));
        }),
      );
      await show();
    },
  };
}

export function createTaskView(id: TaskId, ctx: TaskViewContext): TaskView {
  switch (id) {
    case 'names':
      return namesView(ctx);
    case 'generate':
      return generateView(ctx);
    case 'weather':
      return weatherView(ctx);
    case 'adding':
      return addingView(ctx);
    case 'digits':
      return digitsView(ctx);
    case 'g2p':
      return g2pView(ctx);
  }
}
