/**
 * Loading from a model.json URL in headless Chromium, from the test page's own dev server (a
 * small in-memory file server in vitest.config.ts: PUT stores a file, GET serves it).
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { createEngine } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { io, loadModel, ModelFormatError, type Sequential } from '../../src/index.js';
import { expectSameModel, trainedModel } from './models.js';

async function serve(dir: string, files: Record<string, BlobPart>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    const res = await fetch(`/__models/${dir}/${name}`, { method: 'PUT', body });
    expect(res.status).toBe(204);
  }
}

/**
 * Trains a model, saves it to memory and serves its files under /__models/<dir>/ (model.json,
 * weights.bin, optimizer.bin), optionally edited or left out first.
 */
async function serveModel(dir: string, seed: number, edit: (files: Record<string, BlobPart>) => void = () => {}): Promise<Sequential> {
  const m = await trainedModel(seed);
  const mem = io.memory();
  await m.save(mem);
  const a = mem.artifacts!;
  expect([a.modelJson.weights.path, a.modelJson.training?.optimizer?.path]).toEqual(['weights.bin', 'optimizer.bin']);
  const files: Record<string, BlobPart> = { 'model.json': JSON.stringify(a.modelJson), 'weights.bin': a.weights as BlobPart, 'optimizer.bin': a.optimizer! as BlobPart };
  edit(files);
  await serve(dir, files);
  return m;
}

const load = (url: string) => loadModel(url, { backend: createCpuBackend() });

describe('http(s) URLs', () => {
  it('an absolute model.json URL loads the model with its optimizer state', async () => {
    const m = await serveModel('abs', 9);
    await expectSameModel(await load(`${location.origin}/__models/abs/model.json`), m);
  });

  it('io.http with a URL relative to the page, and a custom fetch that sees every request', async () => {
    const m = await serveModel('rel', 10);
    const seen: string[] = [];
    const f: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const back = await loadModel(io.http('/__models/rel/model.json', { fetch: f }), { backend: createCpuBackend() });
    expect(seen).toEqual(['model.json', 'weights.bin', 'optimizer.bin'].map((n) => `${location.origin}/__models/rel/${n}`));
    await expectSameModel(back, m);
  });

  it('a missing model.json or binary, invalid JSON and a corrupted binary are ModelFormatErrors; nothing stays allocated', async () => {
    await serveModel('partial', 11, (files) => {
      delete files['optimizer.bin'];
    });
    await serveModel('html', 11, (files) => {
      files['model.json'] = '<!doctype html><title>Not Found</title>';
    });
    await serveModel('flipped', 11, (files) => {
      (files['optimizer.bin'] as Uint8Array)[5] ^= 1;
    });
    const base = `${location.origin}/__models`;
    const cases: [string, RegExp][] = [
      [`${base}/nowhere/model.json`, /fetching the model\.json at .*\/nowhere\/model\.json failed: HTTP 404/],
      [`${base}/partial/model.json`, /fetching the optimizer state at .*\/partial\/optimizer\.bin failed: HTTP 404/],
      [`${base}/html/model.json`, /model\.json is not valid JSON/],
      [`${base}/flipped/model.json`, /optimizer file 'optimizer\.bin' is corrupted/],
      ['http://127.0.0.1:9/model.json', /fetching the model\.json at http:\/\/127\.0\.0\.1:9\/model\.json failed: /],
    ];
    for (const [url, message] of cases) {
      const engine = createEngine(createCpuBackend());
      const err = await loadModel(url, { backend: engine }).catch((e) => e);
      expect(err, url).toBeInstanceOf(ModelFormatError);
      expect(err.message, url).toMatch(message);
      expect(err.source, url).toBe(url);
      expect(engine.memory().tensors, url).toBe(0);
    }
  });

  it('a URL that cannot be resolved is a ModelFormatError, not a TypeError', async () => {
    const err = await loadModel(io.http('http://[bad'), { backend: createCpuBackend() }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/not a valid URL/);
  });
});
