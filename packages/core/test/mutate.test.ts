/** The seeded mutations of @recurrent/core/testing: reproducible by seed, never throwing on small inputs, never touching the input. */
import { describe, expect, it } from 'vitest';
import { mutateBytes, mutateJson, mutateText } from '../src/testing/index.js';

describe('seeded mutations', () => {
  it('the same seed gives the same damage; the input is never changed (a Node Buffer included)', () => {
    const json = { a: [1, 2, { b: 'x' }], c: { d: null } };
    expect(mutateJson(json, 7)).toEqual(mutateJson(json, 7));
    expect(json).toEqual({ a: [1, 2, { b: 'x' }], c: { d: null } });
    const buf = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
    for (let seed = 1; seed <= 50; seed++) {
      expect(mutateBytes(buf, seed).value).toEqual(mutateBytes(buf, seed).value);
      expect(mutateText('a,b\n1,2\n', seed)).toEqual(mutateText('a,b\n1,2\n', seed));
    }
    expect([...buf]).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('mutateBytes on 0 to 3 bytes never throws (no float32 to set)', () => {
    for (let n = 0; n < 4; n++) for (let seed = 1; seed <= 200; seed++) expect(() => mutateBytes(new Uint8Array(n), seed)).not.toThrow();
  });
});
