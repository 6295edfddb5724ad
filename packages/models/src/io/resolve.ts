/** A save/load target given as a string: URL schemes pick the handler, anything else is a path. */
import { ConfigError } from '@recurrent/core';
import { browserDownloads, browserIndexedDB, http } from './browser.js';
import type { IOHandler } from './handler.js';
import { fileSystem } from './node-fs.js';

export function resolveHandler(target: string | IOHandler, mode: 'save' | 'load'): IOHandler {
  let h: IOHandler;
  if (typeof target !== 'string') {
    if (!target || typeof target !== 'object') throw new ConfigError(`${mode}: wanted a path, a URL or an IO handler, got ${String(target)}.`);
    h = target;
  } else if (target.startsWith('indexeddb://')) h = browserIndexedDB(target.slice('indexeddb://'.length));
  else if (target.startsWith('downloads://')) h = browserDownloads(target.slice('downloads://'.length));
  else if (/^https?:\/\//.test(target)) h = http(target);
  else if (target.startsWith('file://')) h = fileSystem(decodeURIComponent(new URL(target).pathname));
  else if (target === '') throw new ConfigError(`${mode}: the path is empty.`);
  else h = fileSystem(target);
  if (mode === 'save' && !h.save) throw new ConfigError(`save: ${h.description} is load-only.`);
  if (mode === 'load' && !h.load) throw new ConfigError(`load: ${h.description} is save-only.`);
  return h;
}
