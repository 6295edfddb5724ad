/**
 * Save/load targets given as strings, in a browser: a file path is a typed error pointing at the
 * browser handlers (not a TypeError from a bundler's empty node:fs stub); bad names and
 * save-only / load-only targets are ConfigErrors.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { ConfigError } from '@recurrent/core';
import { describe, expect, it } from 'vitest';
import { io, layers, loadModel, ModelFormatError, sequential } from '../../src/index.js';

const model = () => sequential({ backend: createCpuBackend(), seed: 1 }, [layers.gru({ units: 2, inputShape: [null, 1] })]);
const load = (target: string) => loadModel(target, { backend: createCpuBackend() });

describe('targets in a browser', () => {
  it('a directory or .json path is a ModelFormatError naming the browser handlers', async () => {
    for (const p of ['models/names', 'models/names.json', 'file:///tmp/m']) {
      for (const err of [await model().save(p).catch((e) => e), await load(p).catch((e) => e)]) {
        expect(err, p).toBeInstanceOf(ModelFormatError);
        expect(err.message, p).toMatch(/a path needs Node\.js; in a browser use 'indexeddb:\/\/name', 'downloads:\/\/name' or an http\(s\) URL/);
      }
    }
  });

  it('save-only and load-only targets, empty names', async () => {
    await expect(load('downloads://m')).rejects.toThrow(new ConfigError('load: downloads://m is save-only.'));
    await expect(model().save('https://example.com/model.json')).rejects.toThrow(/save: https:\/\/example\.com\/model\.json is load-only/);
    await expect(model().save('indexeddb://')).rejects.toThrow(ConfigError);
    expect(() => io.browserIndexedDB('')).toThrow(/indexeddb:\/\/: the model name is empty/);
    expect(() => io.browserDownloads('a/b')).toThrow(/plain file name/);
  });
});
