/**
 * Damaged copies of a safetensors file for the untrusted-input tests: odd seeds mutate its JSON
 * header (core/testing mutateJson) and re-encode it with a matching length prefix, as a tool or
 * an attacker would write it; even seeds damage the bytes themselves (mutateBytes).
 */
import { describeMutations, mutateBytes, mutateJson } from '@recurrent/core/testing';

export function damagedSafetensors(good: Uint8Array, seed: number): { bytes: Uint8Array; what: string } {
  if (seed % 2 === 0) {
    const m = mutateBytes(good, seed);
    return { bytes: m.value, what: `bytes ${describeMutations(seed, m.mutations)}` };
  }
  const headerLen = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
  const data = good.subarray(8 + headerLen);
  const m = mutateJson(JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLen))), seed);
  let text: string;
  try {
    text = JSON.stringify(m.value) ?? '';
  } catch {
    text = `{"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`; // the 100,000-deep value, which JSON.stringify cannot write
  }
  const json = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return { bytes, what: `header ${describeMutations(seed, m.mutations)}` };
}
