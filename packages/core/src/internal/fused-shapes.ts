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
    if (xp.length !== 3 || xp[2] % 4 !== 0) throw new ShapeError('lstmSequence (xp)', xp, '[B, T, 4*H]');
    const [b, t, h] = [xp[0], xp[1], xp[2] / 4];
    expect('lstmSequence (Wh)', wh, [h, 4 * h]);
    expect('lstmSequence (h0)', h0, [b, h]);
    expect('lstmSequence (c0)', c0, [b, h]);
    if (bh) expect('lstmSequence (bh)', bh, [4 * h]);
    return { y: [b, t, h], hIn: [t, b, h], cs: [t, b, h], gates: [t, b, 4 * h], h: [b, h], c: [b, h] };
  },
  lstmSequenceGrad: ([g, cs, c0, wh, dh, dc, dy]) => {
    if (g.length !== 3 || g[2] % 4 !== 0) throw new ShapeError('lstmSequenceGrad (gates)', g, '[T, B, 4*H]');
    const [t, b, h] = [g[0], g[1], g[2] / 4];
    expect('lstmSequenceGrad (cs)', cs, [t, b, h]);
    for (const [n, s] of [['c0', c0], ['dh', dh], ['dc', dc]] as const) expect(`lstmSequenceGrad (${n})`, s, [b, h]);
    expect('lstmSequenceGrad (Wh)', wh, [h, 4 * h]);
    if (dy) expect('lstmSequenceGrad (dy)', dy, [b, t, h]);
    return { dPre: [t, b, 4 * h], dh0: [b, h], dc0: [b, h] };
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
