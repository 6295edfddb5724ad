/**
 * safetensors: round trips, files written by PyTorch's side (our generated writer is exercised by
 * the DDP test), and hostile files: each a SafetensorsError naming the problem, before anything
 * large is allocated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untypedError } from '@recurrent/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, readSafetensorsFile, SafetensorsError, writeSafetensors } from '../src/index.js';
import { damagedSafetensors } from './helpers/damaged-safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'interop-st-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A file from a header object and a data section. */
function file(header: unknown, dataBytes: number, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function problem(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as SafetensorsError).code).toBe('E_STATE');
    return (err as SafetensorsError).problem;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors', () => {
  it('round-trips F32, F64, I64, I32, U8 tensors and metadata; the header is padded to 8 bytes', () => {
    const bytes = writeSafetensors(
      [
        ['a', { data: [1.5, -2, 3.25, 4], shape: [2, 2] }],
        ['b', { data: [Math.PI], shape: [1], dtype: 'F64' }],
        ['c', { data: [-3, 2 ** 40], shape: [2], dtype: 'I64' }],
        ['d', { data: [7, -8], shape: [2], dtype: 'I32' }],
        ['e', { data: [0, 255], shape: [2], dtype: 'U8' }],
        ['empty', { data: [], shape: [0, 3] }],
      ],
      { format: 'pt' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata.format).toBe('pt');
    expect(Array.from(tensors.get('a')!.data)).toEqual([1.5, -2, 3.25, 4]);
    expect(tensors.get('a')!.shape).toEqual([2, 2]);
    expect(tensors.get('b')!.data[0]).toBe(Math.PI);
    expect(Array.from(tensors.get('c')!.data)).toEqual([-3, 2 ** 40]);
    expect(Array.from(tensors.get('d')!.data)).toEqual([7, -8]);
    expect(Array.from(tensors.get('e')!.data)).toEqual([0, 255]);
    expect(tensors.get('empty')!.shape).toEqual([0, 3]);
  });

  it('a tensor named __proto__ is an ordinary name (no prototype pollution)', () => {
    const bytes = writeSafetensors([['__proto__', { data: [1], shape: [1] }]]);
    const { tensors } = readSafetensors(bytes);
    expect(Array.from(tensors.get('__proto__')!.data)).toEqual([1]);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
    const hostile = file(undefined, 4, '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}');
    expect([...readSafetensors(hostile).tensors.keys()].sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).shape).toBeUndefined();
  });

  it('hostile files: typed errors naming the problem', () => {
    const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const good = file(ok, 8);
    expect(problem(() => readSafetensors(good.subarray(0, 5)))).toBe('truncated');
    expect(problem(() => readSafetensors(good.subarray(0, good.length - 1)))).toBe('truncated');
    // A header claiming 100 MB (the file is small): refused before it is read.
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 100_000_000n, true);
    expect(problem(() => readSafetensors(big))).toBe('header-size');
    // A header length of 2^64 - 1.
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(problem(() => readSafetensors(huge))).toBe('header-size');
    // 10^12 elements claimed.
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [1_000_000, 1_000_000], data_offsets: [0, 4e12] } }, 8)))).toBe('too-large');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)))).toBe('overlap');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)))).toBe('gap');
    expect(problem(() => readSafetensors(file(ok, 12)))).toBe('gap');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8)))).toBe('offsets');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8)))).toBe('offsets');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, 8)))).toBe('truncated');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } }, 8)))).toBe('dtype');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'toString', shape: [4], data_offsets: [0, 8] } }, 8)))).toBe('dtype');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8)))).toBe('shape');
    expect(problem(() => readSafetensors(file({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, 8)))).toBe('shape');
    expect(problem(() => readSafetensors(file(undefined, 0, '{"a": ')))).toBe('header-json');
    expect(problem(() => readSafetensors(file([1, 2], 0)))).toBe('header-json');
  });

  it('1,000 damaged files (seeded mutations of the header JSON, re-encoded, and of the bytes): each decodes consistently or is a typed error', () => {
    const good = writeSafetensors(
      [
        ['lstm.weight_ih_l0', { data: Array.from({ length: 24 }, (_, i) => i / 7), shape: [8, 3] }],
        ['lstm.bias', { data: [1, 2, 3, 4, 5, 6, 7, 8], shape: [8], dtype: 'F64' }],
        ['step', { data: [3], shape: [], dtype: 'I64' }],
      ],
      { format: 'pt' },
    );
    const failures: string[] = [];
    const outcomes = { decoded: 0, refused: 0 };
    const check = (bytes: Uint8Array, what: string) => {
      try {
        const { tensors } = readSafetensors(bytes);
        outcomes.decoded++;
        for (const [name, t] of tensors)
          if (t.data.length !== t.shape.reduce((p, d) => p * d, 1)) failures.push(`${what}: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
      } catch (e) {
        const bad = untypedError('read', e);
        if (bad) failures.push(`${what}: ${bad}`);
        else outcomes.refused++;
      }
    };
    for (let seed = 1; seed <= 1000; seed++) {
      const d = damagedSafetensors(good, seed);
      check(d.bytes, d.what);
    }
    expect(failures.slice(0, 20).join('\n')).toBe('');
    expect(outcomes.decoded).toBeGreaterThan(40); // both ends ran (53 of 1,000 decode on 2026-12-04)
    expect(outcomes.refused).toBeGreaterThan(300);
  });

  it('a file on disk: the header length is checked before the file is read', async () => {
    const p = join(root, 'claims-100MB.safetensors');
    const big = new Uint8Array(64);
    new DataView(big.buffer).setBigUint64(0, 100_000_000n, true);
    writeFileSync(p, big);
    await expect(readSafetensorsFile(p)).rejects.toMatchObject({ problem: 'header-size' });
    const q = join(root, 'truncated.safetensors');
    const t = new Uint8Array(64);
    new DataView(t.buffer).setBigUint64(0, 1000n, true);
    writeFileSync(q, t);
    await expect(readSafetensorsFile(q)).rejects.toMatchObject({ problem: 'truncated' });
  });
});
