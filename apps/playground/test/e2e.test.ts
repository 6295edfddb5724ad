/**
 * End-to-end: the built playground in headless Chromium. Every task trains on every backend
 * (g2p, the encoder-decoder, on the CPU backend: its attention map, example word and encoder /
 * decoder states update) whose package exports its factory (such a backend failing to start fails the test); the loss
 * and the views update and the validation loss falls; the model moves between backends
 * mid-training with its weights; the comparison runs; a saved model loads back; the link and
 * the keyboard work; and no console error is printed. Screenshots go to test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendId, TaskId } from '../src/model/config.js';
import type { PlaygroundFile } from '../src/model/file.js';
import type { App } from '../src/ui/app.js';
import { type AppServer, type OpenedPage, openPage, ROOT, startApp } from './support/app-server.js';

declare const playground: App;

// Screenshots go to test-results/screenshots (ignored by git) so a test run leaves the tree clean;
// UPDATE_SCREENSHOTS=1 refreshes the committed ones in screenshots/ that the README shows.
const SHOTS = join(ROOT, process.env.UPDATE_SCREENSHOTS ? 'screenshots' : 'test-results/screenshots');
const TASKS: TaskId[] = ['names', 'generate', 'weather', 'adding', 'digits'];
/** Small models so a few steps run fast on SwiftShader too. */
const SMALL = 'cell=lstm&units=16&layers=1&batch=16&lr=0.01&clip=1&seed=3';

let app: AppServer;
/** Backends whose package exports a factory: each must work. */
let backends: BackendId[] = [];

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

const state = <T>(page: Page, fn: (a: App) => T): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.playground)`) as Promise<T>;

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof playground !== 'undefined' && playground.counts.refreshes > 0, null, { timeout: 60_000 });
}

/** Waits for the refresh after the action (a full refresh: validation, task view, views inside). */
async function afterRefresh(page: Page, action: () => Promise<unknown>): Promise<void> {
  await page.waitForFunction(() => playground.idle, null, { timeout: 60_000 });
  const before = await state(page, (a) => a.counts.refreshes);
  await action();
  await page.waitForFunction((n) => playground.counts.refreshes > n && playground.idle, before, { timeout: 60_000 });
}

/** Trains with the play button until `steps` more steps ran, pauses, then one step with validation. */
async function train(page: Page, steps: number, redraws?: { selector: string; more: number }): Promise<void> {
  const start = await state(page, (a) => a.step);
  const drawn = redraws ? await draws(page, redraws.selector) : 0;
  await page.click('#play');
  // Views redraw on a full refresh, at most every 1.5 s of training: wait for the redraws too, not for a speed.
  await page.waitForFunction(
    ([s, n, sel, d]) => playground.step >= s + n && (!sel || Number((document.querySelector(sel) as HTMLElement | null)?.dataset.draws ?? 0) >= d),
    [start, steps, redraws?.selector ?? '', drawn + (redraws?.more ?? 0)] as const,
    { timeout: 90_000 },
  );
  await page.click('#play');
  await afterRefresh(page, () => page.click('#step'));
}

const draws = (page: Page, selector: string) => page.$eval(selector, (e) => Number((e as HTMLElement).dataset.draws ?? 0));

function noErrors(p: OpenedPage): void {
  expect(p.errors, p.errors.join('\n')).toEqual([]);
}

describe('playground in Chromium', () => {
  it('starts every backend whose package exports its factory, and says why the others cannot', async () => {
    const p = await openPage(app.browser, app.url);
    await ready(p.page);
    // vite.config.ts sends COOP/COEP: shared memory, so the CPU backend in the worker can use threads
    expect(await p.page.evaluate('crossOriginIsolated')).toBe(true);
    await p.page.waitForFunction(() => playground.probed, null, { timeout: 60_000 });
    const avail = await state(p.page, (a) => [...a.availability.values()]);
    for (const a of avail) {
      if (a.exported) expect(a.ok, `${a.id}: ${a.reason}`).toBe(true);
      else {
        expect(a.reason, `${a.id} is not exported and must say so`).toMatch(/does not export/);
        console.log(`[e2e] ${a.id} not tested: ${a.reason}`);
      }
      const why = await p.page.textContent(`#backend-${a.id}-why`);
      expect(why).toBe(a.ok ? a.detail : a.reason);
    }
    backends = avail.filter((a) => a.exported).map((a) => a.id);
    expect(backends).toContain('cpu');
    await p.page.screenshot({ path: join(SHOTS, 'start.png') });
    noErrors(p);
    await p.page.context().close();
  });

  for (const backend of ['cpu', 'webgl', 'webgpu', 'gpujs'] as BackendId[]) {
    it(`trains each task on ${backend}: the loss falls and every view updates`, async () => {
      // All four packages export their factories: each must have started in the first test
      // (a failure there, not a skip here).
      expect(backends, `${backend} did not start in the first test`).toContain(backend);
      const p = await openPage(app.browser, `${app.url}?${SMALL}&backend=${backend}`);
      const { page } = p;
      await ready(page);
      expect(await state(page, (a) => a.config.backend)).toBe(backend);
      for (const task of TASKS) {
        if ((await state(page, (a) => a.config.task)) !== task) await afterRefresh(page, () => page.selectOption('#task', task));
        expect(await state(page, (a) => [a.config.task, a.step])).toEqual([task, 0]);
        const before = {
          loss: await draws(page, '#chart-loss'),
          metric: await draws(page, '#chart-metric'),
          hidden: await draws(page, '#hidden-canvas'),
          gate: await draws(page, '#gates canvas[data-gate="f"]'),
          tasks: await state(page, (a) => a.counts.taskUpdates),
        };
        await train(page, backend === 'cpu' ? 30 : 6);
        const h = await state(page, (a) => ({
          step: a.step,
          points: a.history.points,
          norms: a.stepGradNorms,
          T: a.inspection?.stepLabels.length,
          error: a.lastError,
        }));
        expect(h.error).toBe('');
        const trained = h.points.filter((pt) => pt.loss !== undefined);
        expect(trained.length).toBe(h.step);
        expect(trained.every((pt) => Number.isFinite(pt.loss) && pt.ms! > 0)).toBe(true);
        const vals = h.points.filter((pt) => pt.valLoss !== undefined);
        expect(vals[0].step).toBe(0);
        expect(vals[vals.length - 1].step).toBe(h.step);
        // The validation loss fell from the untrained model's.
        expect(vals[vals.length - 1].valLoss!, `${task} on ${backend}`).toBeLessThan(vals[0].valLoss!);
        // The views moved on: charts redrawn, heatmaps redrawn, task view refreshed, gradient per step recorded.
        expect(await draws(page, '#chart-loss')).toBeGreaterThan(before.loss);
        expect(await draws(page, '#chart-metric')).toBeGreaterThan(before.metric);
        expect(await draws(page, '#hidden-canvas')).toBeGreaterThan(before.hidden);
        expect(await draws(page, '#gates canvas[data-gate="f"]')).toBeGreaterThan(before.gate);
        expect(await state(page, (a) => a.counts.taskUpdates)).toBeGreaterThan(before.tasks);
        expect(h.norms?.length).toBe(1);
        expect(h.norms![0].some((v) => v !== null && v > 0)).toBe(true);
        // The readout names a ratio even when the last steps are padding in the whole batch.
        expect(await page.textContent('#grad-readout')).toMatch(/step 0 ÷ step \d+/);
        expect(Number(await page.$eval('#chart-grad', (e) => (e as HTMLElement).dataset.points))).toBe(h.norms![0].length);
        const taskView: Record<TaskId, string> = {
          names: '#task-view .prob-list li',
          generate: '#samples span',
          weather: '#chart-forecast canvas',
          adding: '#adding-mse',
          digits: '#digit-strip figure',
          g2p: '#g2p-examples td',
        };
        expect(await page.locator(taskView[task]).count()).toBeGreaterThan(0);
        if (task === 'weather') expect(Number(await page.$eval('#chart-forecast', (e) => (e as HTMLElement).dataset.points))).toBeGreaterThan(100);
        if (task === 'digits') {
          // The image, its ten class probabilities, and the card follows the inspected example.
          expect(await page.locator('#digit-main .prob-list li').count()).toBe(10);
          expect(await page.locator('#digit-main canvas').count()).toBe(1);
          await page.click('#example-next');
          await page.waitForFunction(() => document.querySelector('#digit-main')?.textContent?.includes('Example 2: a 1.'), null, { timeout: 30_000 });
        }
        if (backend === 'cpu') await page.screenshot({ path: join(SHOTS, `task-${task}.png`), fullPage: true });
      }
      noErrors(p);
      await page.context().close();
    });
  }

  it('g2p trains on cpu: the loss falls, the example word is pronounced and its attention map and the encoder/decoder states are drawn', async () => {
    const p = await openPage(app.browser, `${app.url}?task=g2p&cell=gru&units=32&batch=32&lr=0.01&clip=1&seed=1&backend=cpu`);
    const { page } = p;
    await ready(page);
    const before = { attention: await draws(page, '#attention-canvas'), hidden: await draws(page, '#hidden-canvas') };
    await train(page, 80, { selector: '#attention-canvas', more: 1 });
    const h = await state(page, (a) => ({ vals: a.history.points.filter((pt) => pt.valLoss !== undefined), error: a.lastError, layers: a.config.layers }));
    expect([h.error, h.layers]).toEqual(['', 1]);
    expect(h.vals[h.vals.length - 1].valLoss!).toBeLessThan(h.vals[0].valLoss!);
    // The example word's phonemes, its attention map (redrawn as training went on) and the held-out words.
    expect(await page.textContent('#g2p-said')).toMatch(/^[A-Z]{1,2}( [A-Z]{1,2})*$/);
    expect(await draws(page, '#attention-canvas')).toBeGreaterThan(before.attention + 1);
    expect(await page.textContent('#g2p-scores')).toMatch(/phoneme error rate \d+\.\d% \(nearest spelling: \d+\.\d%\)/);
    expect(await page.locator('#g2p-examples tr').count()).toBe(9);
    await page.fill('#g2p-word', 'table');
    await page.press('#g2p-word', 'Enter');
    await page.waitForFunction(() => (document.querySelector('#attention-canvas') as HTMLElement | null)?.dataset.word === 'table', null, { timeout: 30_000 });
    // The hidden-state view: the encoder's states per letter, the decoder's per phoneme.
    expect(await page.$$eval('#layer-view option', (os) => os.map((o) => o.textContent))).toEqual(['encoder (letters)', 'decoder (phonemes)']);
    expect(await draws(page, '#hidden-canvas')).toBeGreaterThan(before.hidden);
    const shown = await draws(page, '#hidden-canvas');
    await page.selectOption('#layer-view', '1');
    expect(await draws(page, '#hidden-canvas')).toBe(shown + 1);
    await page.screenshot({ path: join(SHOTS, 'task-g2p.png'), fullPage: true });
    noErrors(p);
    await page.context().close();
  });

  it('moves the model between backends mid-training with its weights and optimizer state', async () => {
    const p = await openPage(app.browser, `${app.url}?${SMALL}&task=names&backend=cpu`);
    const { page } = p;
    await ready(page);
    await train(page, 4);
    // Paused: each move validates at the same step; the old and new backend must agree.
    const route = [...backends.filter((b) => b !== 'cpu'), 'cpu'] as BackendId[];
    for (const to of route) {
      const before = await state(page, (a) => ({ step: a.step, val: a.history.lastValidation()!, from: a.config.backend }));
      expect(before.val.step).toBe(before.step);
      await afterRefresh(page, () => page.click(`label[for="backend-${to}"]`));
      const after = await state(page, (a) => ({ step: a.step, val: a.history.lastValidation()!, backend: a.config.backend, host: a.host?.backend }));
      expect([after.backend, after.host]).toEqual([to, to]);
      expect([after.step, after.val.step]).toEqual([before.step, before.step]);
      expect(Math.abs(after.val.valLoss! - before.val.valLoss!), `${before.from} -> ${to}`).toBeLessThan(1e-3);
      expect(await page.isChecked(`#backend-${to}`)).toBe(true);
    }
    // Running: switch while training; training goes on from the same step.
    if (backends.length > 1) {
      await page.click('#play');
      await page.waitForFunction(() => playground.step > 15);
      const other = backends.find((b) => b !== 'cpu')!;
      await page.click(`label[for="backend-${other}"]`);
      await page.waitForFunction((b) => playground.host?.backend === b && playground.running, other, { timeout: 60_000 });
      const atSwitch = await state(page, (a) => a.step);
      await page.waitForFunction((s) => playground.step >= s + 3, atSwitch, { timeout: 60_000 });
      await page.click('#play');
      await page.waitForFunction(() => playground.idle);
      const steps = await state(page, (a) => a.history.points.map((pt) => pt.step));
      // One continuous run: steps strictly increase, with no restart at 0.
      expect(steps.every((s, i) => i === 0 || s > steps[i - 1])).toBe(true);
    }
    expect(await state(page, (a) => a.counts.switches)).toBe(route.length + (backends.length > 1 ? 1 : 0));
    noErrors(p);
    await page.context().close();
  });

  it('compares the backends on the same model and batches', async () => {
    const p = await openPage(app.browser, `${app.url}?${SMALL}&task=weather&backend=cpu`);
    const { page } = p;
    await ready(page);
    await page.waitForFunction(() => playground.probed, null, { timeout: 60_000 });
    await train(page, 10);
    await page.click('#compare');
    await page.waitForFunction(() => playground.compareRows !== undefined, null, { timeout: 120_000 });
    const rows = await state(page, (a) => a.compareRows!);
    expect(rows.map((r) => r.id).sort()).toEqual(['cpu', 'gpujs', 'webgl', 'webgpu']);
    for (const id of backends) {
      const r = rows.find((x) => x.id === id)!;
      expect(r.ok, `${id}: ${r.reason}`).toBe(true);
      expect(r.msPerStep).toBeGreaterThan(0);
      // Warm-up steps and the timed rounds, all on the same batches.
      expect(r.losses?.length).toBe(5 + 3 * 8);
      // Same weights, same batches: float32 backends agree closely with the CPU backend.
      expect(r.maxLossDiff).toBeLessThan(1e-3);
      expect(r.maxWeightDiff).toBeLessThan(1e-3);
    }
    const cpu = rows.find((r) => r.id === 'cpu')!;
    expect([cpu.speedup, cpu.maxLossDiff, cpu.maxWeightDiff]).toEqual([1, 0, 0]);
    expect(await page.locator('#compare-body tbody tr').count()).toBe(4);
    await page.locator('#card-compare').screenshot({ path: join(SHOTS, 'compare.png') });
    noErrors(p);
    await page.context().close();
  });

  it('saves a model, and loading it back restores the weights and the step', async () => {
    const p = await openPage(app.browser, `${app.url}?${SMALL}&task=generate&backend=cpu`);
    const { page } = p;
    await ready(page);
    await train(page, 15);
    const saved = await state(page, (a) => ({ step: a.step, val: a.history.lastValidation()!.valLoss! }));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const file = await download.path();
    const json = JSON.parse(readFileSync(file, 'utf8')) as PlaygroundFile;
    expect(json.format).toBe('recurrent-playground/2');
    expect(json.playground.step).toBe(saved.step);
    expect(json.playground.task).toBe('generate');
    // The library's format inside: model.json's manifest names the LSTM layer's and the head's weights.
    expect(json.model.modelJson.format).toBe('recurrent-model/1');
    expect(json.model.modelJson.weights.entries.map((q) => q.name)).toEqual(['rnn1/kernel', 'rnn1/recurrent_kernel', 'rnn1/bias', 'head/kernel', 'head/bias']);
    // A different model first (reset to step 0), then load the file.
    await afterRefresh(page, () => page.click('#reset'));
    expect(await state(page, (a) => a.step)).toBe(0);
    await afterRefresh(page, () => page.setInputFiles('#load-file', file));
    const loaded = await state(page, (a) => ({ step: a.step, val: a.history.lastValidation()!, task: a.config.task, n: a.history.points.length }));
    expect(loaded.task).toBe('generate');
    expect(loaded.step).toBe(saved.step);
    expect(loaded.val.step).toBe(saved.step);
    expect(Math.abs(loaded.val.valLoss! - saved.val)).toBeLessThan(1e-6);
    expect(loaded.n).toBeGreaterThan(saved.step);
    // Training continues from the loaded step.
    await train(page, 3);
    expect(await state(page, (a) => a.step)).toBeGreaterThanOrEqual(saved.step + 4);
    // A file that is not a saved model, or a hostile one, is refused with a reason; the model,
    // its step and the settings stay, and the message stays until the user acts.
    const kept = await state(page, (a) => ({ step: a.step, config: a.config }));
    await page.setInputFiles('#load-file', { name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
    await page.waitForFunction(() => playground.lastError.includes('notes.json'));
    expect(await page.textContent('#status')).toMatch(/its format is undefined; wanted recurrent-playground\/2.*Nothing changed/);
    const hostile = structuredClone(json);
    (hostile.playground as { task: string }).task = 'constructor';
    hostile.model.modelJson.model.layers[0].config.units = 99999999;
    await page.setInputFiles('#load-file', { name: 'hostile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) });
    await page.waitForFunction(() => playground.lastError.includes('hostile.json'));
    expect(await page.textContent('#status')).toMatch(/playground\.task is 'constructor'/);
    expect(await state(page, (a) => ({ step: a.step, config: a.config }))).toEqual(kept);
    // Still there after a while (no routine message replaced it), and visible at 1280 x 800.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(1500);
    expect(await page.textContent('#status')).toMatch(/hostile\.json/);
    const box = (await page.locator('#status').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    expect(box.y).toBeGreaterThanOrEqual(0);
    await afterRefresh(page, () => page.click('#step'));
    expect(await state(page, (a) => a.step)).toBe(kept.step + 1);
    expect(await page.textContent('#status')).toMatch(/Trained one batch/);
    // Your own words: a new generation model on pasted text; too little text is refused and changes nothing.
    const words = Array.from({ length: 40 }, (_, i) => `zork${String.fromCharCode(97 + (i % 26))}`).join(' ');
    await page.fill('#own-text', 'too few words');
    await page.click('#use-own-text');
    await page.waitForFunction(() => playground.lastError.includes('usable word'));
    expect(await state(page, (a) => a.step)).toBe(kept.step + 1);
    await page.fill('#own-text', words);
    await afterRefresh(page, () => page.click('#use-own-text'));
    expect(await state(page, (a) => [a.step, a.ownText])).toEqual([0, words]);
    expect(await page.textContent('#task-blurb')).toMatch(/your words/);
    await train(page, 3);
    expect(await page.locator('#samples span').count()).toBeGreaterThan(0);
    noErrors(p);
    await page.context().close();
  });

  it('shares the configuration by URL, has labelled controls and keyboard shortcuts', async () => {
    const p = await openPage(app.browser, `${app.url}?task=adding&cell=gru&units=8&layers=2&seq=40&opt=rmsprop&lr=0.003&batch=8&clip=0.5&seed=7&backend=cpu`);
    const { page } = p;
    await ready(page);
    const c = await state(page, (a) => a.config);
    expect(c).toMatchObject({ task: 'adding', cell: 'gru', units: 8, layers: 2, seqLen: 40, optimizer: 'rmsprop', learningRate: 0.003, batchSize: 8, clipNorm: 0.5, seed: 7 });
    expect(await page.inputValue('#seq-len')).toBe('40');
    expect(await page.isChecked('#cell-gru')).toBe(true);
    // Changing a control updates the link; the link opens the same configuration.
    await afterRefresh(page, () => page.selectOption('#units', '16'));
    const search = new URL(page.url()).search;
    expect(search).toContain('units=16');
    const q = await openPage(app.browser, `${app.url}${search}`);
    await ready(q.page);
    expect(await state(q.page, (a) => a.config)).toEqual({ ...c, units: 16 });
    await q.page.context().close();
    // Every form control has a label.
    const unlabelled = await page.$$eval('input, select, button', (els) =>
      els
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !(e.textContent ?? '').trim())
        .map((e) => e.id || e.outerHTML.slice(0, 60)),
    );
    expect(unlabelled).toEqual([]);
    // Keyboard: Space starts and pauses, S steps.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => playground.running && playground.step > 0);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => playground.idle);
    const s = await state(page, (a) => a.step);
    await afterRefresh(page, () => page.keyboard.press('s'));
    expect(await state(page, (a) => a.step)).toBe(s + 1);
    // Two layers: the gradient chart shows both, and the heatmap can show layer 2.
    expect(await state(page, (a) => a.stepGradNorms?.length)).toBe(2);
    await page.selectOption('#layer-view', '1');
    await page.screenshot({ path: join(SHOTS, 'adding-gru-2-layers.png'), fullPage: true });
    // A seed the link cannot carry is refused and named; the model stays.
    const seedBefore = await state(page, (a) => a.config.seed);
    await page.fill('#seed', '4294967296');
    await page.locator('#seed').dispatchEvent('change');
    await page.waitForFunction(() => playground.lastError.includes('seed'));
    expect(await page.textContent('#status')).toMatch(/The seed must be an integer from 0 to 2147483647 \(what a shared link carries\)/);
    expect(await state(page, (a) => a.config.seed)).toBe(seedBefore);
    expect(await page.inputValue('#seed')).toBe(String(seedBefore));
    // The load button shows a focus ring when the (hidden) file input has keyboard focus.
    await page.focus('#save');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('load-file');
    expect(await page.$eval('label[for="load-file"]', (e) => getComputedStyle(e).outlineStyle)).toBe('solid');
    // The ms/step readout is not a live region.
    expect(await page.getAttribute('#ms-step', 'aria-live')).toBe('off');
    // A laptop-sized window still fits the controls and the first charts side by side.
    await page.setViewportSize({ width: 1280, height: 720 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    noErrors(p);
    await page.context().close();
  });
});
