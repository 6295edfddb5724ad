/**
 * A tfjs model at a URL: model.json, then each shard resolved against it. Bodies are read with
 * a byte cap (Content-Length first, then counted while streaming), and every shard URL must be
 * under model.json's directory on the same origin. A response, or the next piece of its body,
 * that takes longer than limits.maxStallMs fails the load (the request is aborted).
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';
import { parseUntrustedJson } from './safe-json.js';
import { concatBytes, type RawModel, readModelJson } from './artifacts.js';

/** The longest delay setTimeout honours (a longer one, or Infinity, fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `p`, or a rejection with `stalled()` when it has not settled within `ms` (then `abort` runs).
 * `ms` of Infinity waits as long as `p` does.
 */
function unlessStalled<T>(p: Promise<T>, ms: number, stalled: () => Error, abort: () => void): Promise<T> {
  if (ms > MAX_TIMER_MS) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(stalled()); // first: aborting settles `p` too (a cancelled read ends as done), and the race must not take that
      abort();
    }, ms);
  });
  return Promise.race([p, stall]).finally(() => clearTimeout(timer));
}

interface Stall {
  ms: number;
  error: (what: string) => Error;
}

async function readCapped(res: Response, max: number, what: string, source: string, problem: 'too-large' | 'byte-size', stall: Stall, abort: () => void): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  const over = (n: number) =>
    new TfjsFormatError(source, problem, `${what} has ${n} bytes or more, over the ${max} ${problem === 'too-large' ? 'of limits.maxJsonBytes' : "the manifest's shapes still need"}.`);
  if (Number.isFinite(declared) && declared > max) throw over(declared);
  if (!res.body) return new Uint8Array(await unlessStalled(res.arrayBuffer(), stall.ms, () => stall.error(what), abort));
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await unlessStalled(reader.read(), stall.ms, () => stall.error(what), abort);
      if (done) break;
      n += value.byteLength;
      if (n > max) throw over(n);
      parts.push(value);
    }
    finished = true;
  } finally {
    // A body left part-read (stalled, over its cap, broken off): release it. The caller aborts
    // the request too, which ends a fetch's body; a custom fetch's body may ignore the signal.
    if (!finished) void reader.cancel().catch(() => {});
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
  const stallError = (missing: 'source' | 'missing-shard') => (what: string) =>
    new TfjsFormatError(url, missing, `${what}: no data for ${limits.maxStallMs / 1000} s; the server stalled. Raise limits.maxStallMs if the link is that slow.`);
  /** Fetches `u` and reads its body (at most `max` bytes), each wait bounded by maxStallMs. */
  const get = async (u: URL, what: string, missing: 'source' | 'missing-shard', max: number, problem: 'too-large' | 'byte-size') => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const stall = { ms: limits.maxStallMs, error: stallError(missing) };
    let res: Response;
    try {
      res = await unlessStalled(fetchFn(u.href, { signal: controller.signal }), stall.ms, () => stall.error(`fetching ${what} (${u.href})`), abort);
    } catch (err) {
      if (err instanceof TfjsFormatError) throw err;
      throw new TfjsFormatError(url, missing, `fetching ${what} (${u.href}) failed: ${(err as Error).message}.`);
    }
    try {
      if (!res.ok) throw new TfjsFormatError(url, missing, `fetching ${what} (${u.href}) gave HTTP ${res.status}.`);
      return await readCapped(res, max, what, url, problem, stall, abort);
    } catch (err) {
      if (err instanceof TfjsFormatError) throw err;
      throw new TfjsFormatError(url, missing, `reading ${what} (${u.href}) failed: ${(err as Error).message}.`);
    } finally {
      abort(); // a body left unread (an HTTP error, over a size cap) would keep its connection open
    }
  };
  const text = new TextDecoder().decode(await get(jsonUrl, 'model.json', 'source', limits.maxJsonBytes, 'too-large'));
  return readModelJson(
    parseUntrustedJson(text, 'model.json', url, limits),
    async (p, maxBytes) => {
      const shard = new URL(p, jsonUrl);
      if (shard.origin !== jsonUrl.origin || !shard.href.startsWith(dirUrl))
        throw new TfjsFormatError(url, 'path', `shard '${p}' resolves to ${shard.href}, outside ${dirUrl}; refusing to fetch it.`);
      return get(shard, `shard '${p}'`, 'missing-shard', maxBytes, 'byte-size');
    },
    url,
    limits,
  );
}
