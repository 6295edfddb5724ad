/**
 * A tfjs model at a URL: model.json, then each shard resolved against it. Bodies are read with
 * a byte cap (Content-Length first, then counted while streaming), and every shard URL must be
 * under model.json's directory on the same origin.
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';
import { parseUntrustedJson } from './safe-json.js';
import { concatBytes, type RawModel, readModelJson } from './artifacts.js';

async function readCapped(res: Response, max: number, what: string, source: string, problem: 'too-large' | 'byte-size'): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  const over = (n: number) =>
    new TfjsFormatError(source, problem, `${what} has ${n} bytes or more, over the ${max} ${problem === 'too-large' ? 'of limits.maxJsonBytes' : "the manifest's shapes still need"}.`);
  if (Number.isFinite(declared) && declared > max) throw over(declared);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel();
      throw over(n);
    }
    parts.push(value);
  }
  return concatBytes(parts, n);
}

export async function readUrl(url: string, limits: TfjsLimits, fetchFn: typeof fetch = globalThis.fetch): Promise<RawModel> {
  let jsonUrl: URL;
  try {
    jsonUrl = new URL(url.endsWith('.json') ? url : url.replace(/\/?$/, '/model.json'), globalThis.location?.href);
  } catch {
    throw new TfjsFormatError(url, 'source', 'is not a valid URL.');
  }
  const dirUrl = new URL('.', jsonUrl).href;
  const get = async (u: URL, what: string, missing: 'source' | 'missing-shard') => {
    let res: Response;
    try {
      res = await fetchFn(u.href);
    } catch (err) {
      throw new TfjsFormatError(url, missing, `fetching ${what} (${u.href}) failed: ${(err as Error).message}.`);
    }
    if (!res.ok) throw new TfjsFormatError(url, missing, `fetching ${what} (${u.href}) gave HTTP ${res.status}.`);
    return res;
  };
  const res = await get(jsonUrl, 'model.json', 'source');
  const text = new TextDecoder().decode(await readCapped(res, limits.maxJsonBytes, 'model.json', url, 'too-large'));
  return readModelJson(
    parseUntrustedJson(text, 'model.json', url, limits),
    async (p, maxBytes) => {
      const shard = new URL(p, jsonUrl);
      if (shard.origin !== jsonUrl.origin || !shard.href.startsWith(dirUrl))
        throw new TfjsFormatError(url, 'path', `shard '${p}' resolves to ${shard.href}, outside ${dirUrl}; refusing to fetch it.`);
      return readCapped(await get(shard, `shard '${p}'`, 'missing-shard'), maxBytes, `shard '${p}'`, url, 'byte-size');
    },
    url,
    limits,
  );
}
