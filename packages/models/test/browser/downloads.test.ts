/**
 * The downloads handler in headless Chromium. The anchor clicks are intercepted (no file is
 * written); the Blob URLs they point at are real and are read back with fetch, then loaded
 * through the memory handler and, served over HTTP under their download names, the URL handler.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError } from '@recurrent/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { io, loadModel, type ModelArtifacts } from '../../src/index.js';
import { expectSameModel, trainedModel } from './models.js';

interface Download {
  file: string;
  type: string;
  bytes: Uint8Array;
}

/** Every anchor click: its download name and what its Blob URL holds. */
let clicks: { href: string; download: string }[] = [];
beforeEach(() => {
  clicks = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicks.push({ href: this.href, download: this.download });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function downloads(): Promise<Download[]> {
  return Promise.all(
    clicks.map(async ({ href, download }) => {
      expect(href).toMatch(/^blob:/);
      const res = await fetch(href);
      return { file: download, type: res.headers.get('content-type') ?? '', bytes: new Uint8Array(await res.arrayBuffer()) };
    }),
  );
}

/** The downloaded files as artifacts, the binaries found by the names model.json gives them. */
function artifactsOf(files: Download[]): ModelArtifacts {
  const byName = new Map(files.map((f) => [f.file, f.bytes]));
  const modelJson = JSON.parse(new TextDecoder().decode(files[0].bytes));
  return { modelJson, weights: byName.get(modelJson.weights.path)!, optimizer: modelJson.training?.optimizer && byName.get(modelJson.training.optimizer.path) };
}

describe('downloads', () => {
  it('downloads <name>.json, <name>.weights.bin and <name>.optimizer.bin, which load back to the same model', async () => {
    const m = await trainedModel(5);
    await m.save('downloads://my-model');
    const files = await downloads();
    expect(files.map((f) => [f.file, f.type])).toEqual([
      ['my-model.json', 'application/json'],
      ['my-model.weights.bin', 'application/octet-stream'],
      ['my-model.optimizer.bin', 'application/octet-stream'],
    ]);
    const json = JSON.parse(new TextDecoder().decode(files[0].bytes));
    expect(json.format).toBe('recurrent-model/1');
    expect(json.weights.path).toBe('my-model.weights.bin');
    expect(json.training.optimizer.path).toBe('my-model.optimizer.bin');
    expect(files[1].bytes.byteLength).toBe(4 * m.countParams());
    expect(files[2].bytes.byteLength).toBe(2 * 4 * m.countParams());
    await expectSameModel(await loadModel(io.memory(artifactsOf(files)), { backend: createCpuBackend() }), m);
  });

  it('the downloaded files, served over HTTP as they are, load through a model.json URL', async () => {
    const m = await trainedModel(6);
    await m.save(io.browserDownloads('served'));
    for (const f of await downloads()) {
      const put = await fetch(`/__models/downloaded/${f.file}`, { method: 'PUT', body: f.bytes as BlobPart, headers: { 'content-type': f.type } });
      expect(put.status).toBe(204);
    }
    const back = await loadModel(`${location.origin}/__models/downloaded/served.json`, { backend: createCpuBackend() });
    await expectSameModel(back, m);
  });

  it('without the optimizer: two files, and the model loads without an optimizer', async () => {
    const m = await trainedModel(7);
    await m.save('downloads://w', { includeOptimizer: false });
    const files = await downloads();
    expect(files.map((f) => f.file)).toEqual(['w.json', 'w.weights.bin']);
    const back = await loadModel(io.memory(artifactsOf(files)), { backend: createCpuBackend() });
    expect(back.optimizer).toBeUndefined();
    expect(Array.from((await back.getWeights())[0].data)).toEqual(Array.from((await m.getWeights())[0].data));
  });

  it('a name that is not a plain file name is a ConfigError before anything is downloaded', async () => {
    const m = await trainedModel(8);
    for (const name of ['', 'dir/model', 'a\\b', '.hidden']) {
      const err = await m.save(`downloads://${name}`).catch((e) => e);
      expect(err, name).toBeInstanceOf(ConfigError);
      expect(err.message, name).toMatch(/downloads:\/\/.*plain file name/);
    }
    expect(clicks).toEqual([]);
  });
});
