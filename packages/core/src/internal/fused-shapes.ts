import type { FusedName, FusedSpec, Shape } from '../backend.js';
import { ShapeError, fmtShape } from '../errors.js';
import { sameShape } from './shapes.js';

type Rule<K extends FusedName> = (inputs: Shape[]) => FusedSpec[K]['outputs'];

function gates(where: string, s: Shape, g: number): [number, number] {
  if (s.length !== 2 || s[1] % g !== 0) throw new ShapeError(where, s, `[B, ${g}*H]`);
  return [s[0], s[1] / g];
}
function expect(where: string, s: Shape, want: Shape): void {
  if (!sameShape(s, want)) throw new ShapeError(where, s, fmtShape(want));
}

/** [T, B, g*H] -> [T, B, H]. */
function timeMajor(where: string, s: Shape, g: number): [number, number, number] {
  if (s.length !== 3 || s[2] % g !== 0) throw new ShapeError(where, s, `[T, B, ${g === 1 ? '' : `${g}*`}H]`);
  return [s[0], s[1], s[2] / g];
}
/** The inputs of a sequence op xp [B, T, g*H], Wh [H, g*H], h0 [B, H], bh [g*H] -> [B, T, H]. */
function sequenceInput(op: string, xp: Shape, wh: Shape, h0: Shape, bh: Shape | undefined, g: number): [number, number, number] {
  if (xp.length !== 3 || xp[2] % g !== 0) throw new ShapeError(`${op} (xp)`, xp, `[B, T, ${g === 1 ? '' : `${g}*`}H]`);
  const [b, t, h] = [xp[0], xp[1], xp[2] / g];
  expect(`${op} (Wh)`, wh, [h, g * h]);
  expect(`${op} (h0)`, h0, [b, h]);
  if (bh) expect(`${op} (bh)`, bh, [g * h]);
  return [b, t, h];
}

/** Output shapes of the fused ops, with the same checks as the primitives. */
export const fusedShapeRules: { [K in FusedName]: Rule<K> } = {
  simpleRnnCell: ([xp, hp]) => {
    if (xp.length !== 2) throw new ShapeError('simpleRnnCell (xp)', xp, '[B, H]');
    expect('simpleRnnCell (hp)', hp, xp);
    return { h: xp };
  },
  lstmCell: ([xp, hp, c]) => {
    const [b, h] = gates('lstmCell (xp)', xp, 4);
    expect('lstmCell (hp)', hp, [b, 4 * h]);
    expect('lstmCell (c)', c, [b, h]);
    return { h: [b, h], c: [b, h], gates: [b, 4 * h] };
  },
  lstmCellGrad: ([g, cPrev, c, dh, dc]) => {
    const [b, h] = gates('lstmCellGrad (gates)', g, 4);
    for (const [n, s] of [['cPrev', cPrev], ['c', c], ['dh', dh], ['dc', dc]] as const) expect(`lstmCellGrad (${n})`, s, [b, h]);
    return { dPre: [b, 4 * h], dcPrev: [b, h] };
  },
  lstmSequence: ([xp, wh, h0, c0, bh]) => {
    const [b, t, h] = sequenceInput('lstmSequence', xp, wh, h0, bh, 4);
    expect('lstmSequence (c0)', c0, [b, h]);
    return { y: [b, t, h], hIn: [t, b, h], cs: [t, b, h], gates: [t, b, 4 * h], h: [b, h], c: [b, h] };
  },
  lstmSequenceGrad: ([g, cs, c0, wh, dh, dc, dy]) => {
    const [t, b, h] = timeMajor('lstmSequenceGrad (gates)', g, 4);
    expect('lstmSequenceGrad (cs)', cs, [t, b, h]);
    for (const [n, s] of [['c0', c0], ['dh', dh], ['dc', dc]] as const) expect(`lstmSequenceGrad (${n})`, s, [b, h]);
    expect('lstmSequenceGrad (Wh)', wh, [h, 4 * h]);
    if (dy) expect('lstmSequenceGrad (dy)', dy, [b, t, h]);
    return { dPre: [t, b, 4 * h], dh0: [b, h], dc0: [b, h] };
  },
  simpleRnnSequence: ([xp, wh, h0, bh]) => {
    const [b, t, h] = sequenceInput('simpleRnnSequence', xp, wh, h0, bh, 1);
    return { y: [b, t, h], hIn: [t, b, h], h: [b, h] };
  },
  simpleRnnSequenceGrad: ([hIn, hLast, wh, dh, dy]) => {
    const [t, b, h] = timeMajor('simpleRnnSequenceGrad (hIn)', hIn, 1);
    for (const [n, s] of [['h', hLast], ['dh', dh]] as const) expect(`simpleRnnSequenceGrad (${n})`, s, [b, h]);
    expect('simpleRnnSequenceGrad (Wh)', wh, [h, h]);
    if (dy) expect('simpleRnnSequenceGrad (dy)', dy, [b, t, h]);
    return { dPre: [t, b, h], dh0: [b, h] };
  },
  gruSequence: ([xp, wh, h0, bh]) => {
    const [b, t, h] = sequenceInput('gruSequence', xp, wh, h0, bh, 3);
    return { y: [b, t, h], hIn: [t, b, h], cache: [t, b, 4 * h], h: [b, h] };
  },
  gruSequenceGrad: ([cache, hIn, wh, dh, dy]) => {
    const [t, b, h] = timeMajor('gruSequenceGrad (cache)', cache, 4);
    expect('gruSequenceGrad (hIn)', hIn, [t, b, h]);
    expect('gruSequenceGrad (Wh)', wh, [h, 3 * h]);
    expect('gruSequenceGrad (dh)', dh, [b, h]);
    if (dy) expect('gruSequenceGrad (dy)', dy, [b, t, h]);
    return { dXp: [t, b, 3 * h], dHp: [t, b, 3 * h], dh0: [b, h] };
  },
  gruBeforeSequence: ([xp, wh, h0, bh]) => {
    const [b, t, h] = sequenceInput('gruBeforeSequence', xp, wh, h0, bh, 3);
    return { y: [b, t, h], hIn: [t, b, h], cache: [t, b, 4 * h], h: [b, h] };
  },
  gruBeforeSequenceGrad: ([cache, hIn, wh, dh, dy]) => {
    const [t, b, h] = timeMajor('gruBeforeSequenceGrad (cache)', cache, 4);
    expect('gruBeforeSequenceGrad (hIn)', hIn, [t, b, h]);
    expect('gruBeforeSequenceGrad (Wh)', wh, [h, 3 * h]);
    expect('gruBeforeSequenceGrad (dh)', dh, [b, h]);
    if (dy) expect('gruBeforeSequenceGrad (dy)', dy, [b, t, h]);
    return { dXp: [t, b, 3 * h], dh0: [b, h] };
  },
  gruCell: ([xp, hp, h]) => {
    const [b, u] = gates('gruCell (xp)', xp, 3);
    expect('gruCell (hp)', hp, [b, 3 * u]);
    expect('gruCell (h)', h, [b, u]);
    return { h: [b, u], cache: [b, 4 * u] };
  },
  gruCellGrad: ([cache, h, dh]) => {
    const [b, u] = gates('gruCellGrad (cache)', cache, 4);
    expect('gruCellGrad (h)', h, [b, u]);
    expect('gruCellGrad (dh)', dh, [b, u]);
    return { dXp: [b, 3 * u], dHp: [b, 3 * u], dhDirect: [b, u] };
  },
  gruBeforeGates: ([xp, hpRz, h]) => {
    const [b, u] = gates('gruBeforeGates (xp)', xp, 3);
    expect('gruBeforeGates (hpRz)', hpRz, [b, 2 * u]);
    expect('gruBeforeGates (h)', h, [b, u]);
    return { rz: [b, 2 * u], rh: [b, u] };
  },
  gruBeforeState: ([xp, hpN, rz, h]) => {
    const [b, u] = gates('gruBeforeState (xp)', xp, 3);
    expect('gruBeforeState (hpN)', hpN, [b, u]);
    expect('gruBeforeState (rz)', rz, [b, 2 * u]);
    expect('gruBeforeState (h)', h, [b, u]);
    return { h: [b, u], n: [b, u] };
  },
  gruBeforeGradN: ([rz, n, dh]) => {
    const [b, u] = gates('gruBeforeGradN (rz)', rz, 2);
    expect('gruBeforeGradN (n)', n, [b, u]);
    expect('gruBeforeGradN (dh)', dh, [b, u]);
    return { dPreN: [b, u] };
  },
  gruBeforeGrad: ([rz, n, h, dh, dRh]) => {
    const [b, u] = gates('gruBeforeGrad (rz)', rz, 2);
    for (const [name, s] of [['n', n], ['h', h], ['dh', dh], ['dRh', dRh]] as const) expect(`gruBeforeGrad (${name})`, s, [b, u]);
    return { dXp: [b, 3 * u], dhDirect: [b, u] };
  },
  adamUpdate: ([p, g, m, v]) => {
    for (const [n, s] of [['g', g], ['m', m], ['v', v]] as const) expect(`adamUpdate (${n})`, s, p);
    return { p, m, v };
  },
};
