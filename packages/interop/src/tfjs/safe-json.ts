/**
 * JSON from an untrusted file: size and nesting depth are checked on the text before parsing,
 * and keys that could reach an object's prototype (`__proto__`, `constructor`, `prototype`) are
 * refused, so no later copy of the parsed objects can pollute a prototype.
 */
import { TfjsFormatError } from './errors.js';
import type { TfjsLimits } from './limits.js';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest [ / { nesting of JSON text, ignoring brackets inside strings. Stops early past `max`. */
function depthOf(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function parseUntrustedJson(text: string, what: string, source: string, limits: TfjsLimits): unknown {
  // UTF-16 length is at most the UTF-8 byte length, so this bound never rejects a file within it.
  if (text.length > limits.maxJsonBytes)
    throw new TfjsFormatError(source, 'too-large', `${what} has ${text.length} characters, over limits.maxJsonBytes (${limits.maxJsonBytes}); raise the limit if the file is trusted.`);
  const depth = depthOf(text, limits.maxDepth);
  if (depth > limits.maxDepth)
    throw new TfjsFormatError(source, 'too-deep', `${what} nests deeper than limits.maxDepth (${limits.maxDepth}); a Keras topology is far shallower, so the file is not a model.`);
  try {
    return JSON.parse(text, (key, value) => {
      if (FORBIDDEN.has(key)) throw new TfjsFormatError(source, 'forbidden-key', `${what} has a '${key}' key, which no model file has; refusing it.`);
      return value;
    });
  } catch (err) {
    if (err instanceof TfjsFormatError) throw err;
    throw new TfjsFormatError(source, 'json', `${what} is not valid JSON (${(err as Error).message}).`);
  }
}

/** Checks an already parsed value (artifacts handed over in memory) the same way: depth and keys. */
export function checkUntrustedValue(value: unknown, what: string, source: string, limits: TfjsLimits): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (d > limits.maxDepth)
      throw new TfjsFormatError(source, 'too-deep', `${what} nests deeper than limits.maxDepth (${limits.maxDepth}).`);
    for (const k of Object.keys(v)) {
      if (FORBIDDEN.has(k)) throw new TfjsFormatError(source, 'forbidden-key', `${what} has a '${k}' key, which no model file has; refusing it.`);
      stack.push([(v as Record<string, unknown>)[k], d + 1]);
    }
  }
}
