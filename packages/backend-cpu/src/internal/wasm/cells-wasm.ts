/**
 * The fused LSTM and GRU steps and their backwards in WebAssembly SIMD: the same formulas as
 * ../lstm.ts and ../gru.ts (core's fallbacks define them), four units per vector.
 *
 * Every kernel walks rows of the batch and, in each row, units j = 0, 4, 8, ...; when units
 * is not a multiple of 4 the last vector is placed at units - 4, overlapping the previous one
 * (it recomputes a few outputs with the same inputs, so it writes the same values). Units < 4
 * use the TypeScript kernels.
 *
 * Pointers in bytes. Gate g of unit j in row r of a [B, G*H] array is at (r*G*H + g*H + j)*4.
 *
 * Each kernel comes in two variants by the recurrent activation of its gates (LSTM i, f, o;
 * GRU r, z): the logistic sigmoid (`lstmCell`, ...) and the hard sigmoid (`lstmCellHard`, ...,
 * with one more parameter, the f32 slope: 0.2 for Keras 2 / tfjs, 1/6 for Keras 3), where
 * sig(v) = min(max(slope * v + 0.5, 0), 1) and sig'(v) = slope where 0 < sig(v) < 1, else 0
 * (also at a kink, as core's recurrent-activation.ts says).
 */
import { F32, Fn, I32, V128 } from './fn.js';
import { declareMath, vsigmoid, vtanh } from './math-wasm.js';

const ptrs = (...names: string[]): [string, typeof I32][] => names.map((n) => [n, I32]);

export type GateKind = 'sigmoid' | 'hard';

/** How a kernel variant computes its gates: parameters, set-up, sig(x on the stack), and stack * sig'(y). */
interface Gate {
  suffix: string;
  params: [string, typeof F32][];
  setup(f: Fn): void;
  act(f: Fn): Fn;
  /** Multiplies the value on the stack by sig'(v), from the gate's output in local `y` (local `one` holds 1s). */
  mulGrad(f: Fn, y: string): Fn;
}

const GATE: Record<GateKind, Gate> = {
  sigmoid: {
    suffix: '',
    params: [],
    setup: () => {},
    act: (f) => vsigmoid(f),
    // * y * (1 - y), with local `one` = 1
    mulGrad: (f, y) => f.get(y).vmul().get('one').get(y).vsub().vmul(),
  },
  hard: {
    suffix: 'Hard',
    params: [['slope', F32]],
    setup: (f) => {
      f.local(V128, 'sl');
      f.get('slope').splat().set('sl');
    },
    act: (f) => f.get('sl').vmul().f32x4(0.5).vadd().f32x4(0).vmax().f32x4(1).vmin(),
    // * (0 < y < 1 ? slope : 0)
    mulGrad: (f, y) => f.get('sl').f32x4(0).get(y).f32x4(0).vgt().get(y).f32x4(1).vlt().vand().vselect().vmul(),
  },
};

/**
 * Emits: for each row r < batch, for each 4-unit column block at byte offset `jb`, `body`.
 * Locals set for the body: `g` = byte offset of the block in a gates row of width `gates`*H
 * (gate k is at g + k*`u`, u = 4H), `s` = byte offset in a [B, H] row.
 */
function rowsAndColumns(f: Fn, gates: number, body: () => void): void {
  f.local(I32, 'r', 'j', 'jb', 'g', 's', 'u', 'rowG', 'rowS', 'last');
  f.get('units').i32(2).shl().set('u');
  f.get('units').i32(4).sub().set('last');
  f.i32(0).set('r').i32(0).set('rowG').i32(0).set('rowS');
  f.loop();
  f.i32(0).set('j');
  f.loop();
  // jb = 4 * (j + 4 > units ? units - 4 : j)
  f.get('j').get('last').gtS().if().get('last').set('jb').else().get('j').set('jb').end();
  f.get('jb').i32(2).shl().set('jb');
  f.get('rowG').get('jb').add().set('g');
  f.get('rowS').get('jb').add().set('s');
  body();
  f.inc('j', 4).get('j').get('units').ltS().brIf(0);
  f.end();
  f.get('rowG').get('u').i32(gates).mul().add().set('rowG');
  f.inc('rowS', 'u');
  f.inc('r', 1).get('r').get('batch').ltS().brIf(0);
  f.end();
}

/** Pushes the address base + g + k*u (gate k). */
function gateAddr(f: Fn, base: string, k: number): Fn {
  f.get(base).get('g').add();
  if (k) f.get('u').i32(k).mul().add();
  return f;
}

/** Pushes the address of block k of a GRU cache row (4 units wide; local `q`: the unit's offset there). */
function cacheAddr(f: Fn, k: number): Fn {
  f.get('cache').get('q').add();
  if (k === 1) f.get('u').add();
  else if (k) f.get('u').i32(k).mul().add();
  return f;
}

function lstmCell(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`lstmCell${gate.suffix}`, [...ptrs('xp', 'hp', 'c', 'hOut', 'cOut', 'gates', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'i', 'f', 'z', 'o', 'cn');
  declareMath(f);
  gate.setup(f);
  rowsAndColumns(f, 4, () => {
    const pre = (k: number) => gateAddr(gateAddr(f, 'xp', k).load(), 'hp', k).load().vadd();
    gate.act(pre(0)).set('i');
    gate.act(pre(1)).set('f');
    vtanh(pre(2)).set('z');
    gate.act(pre(3)).set('o');
    // c' = f * c + i * z
    f.get('f').get('c').get('s').add().load().vmul().get('i').get('z').vmul().vadd().set('cn');
    gateAddr(f, 'gates', 0).get('i').store();
    gateAddr(f, 'gates', 1).get('f').store();
    gateAddr(f, 'gates', 2).get('z').store();
    gateAddr(f, 'gates', 3).get('o').store();
    f.get('cOut').get('s').add().get('cn').store();
    vtanh(f.get('hOut').get('s').add().get('o').get('cn')).vmul().store();
  });
  return f;
}

function lstmCellGrad(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`lstmCellGrad${gate.suffix}`, [...ptrs('gates', 'cPrev', 'c', 'dh', 'dc', 'dPre', 'dcPrev', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'i', 'f', 'z', 'o', 'tc', 'd', 'dt', 'one');
  declareMath(f);
  gate.setup(f);
  f.f32x4(1).set('one');
  rowsAndColumns(f, 4, () => {
    gateAddr(f, 'gates', 0).load().set('i');
    gateAddr(f, 'gates', 1).load().set('f');
    gateAddr(f, 'gates', 2).load().set('z');
    gateAddr(f, 'gates', 3).load().set('o');
    vtanh(f.get('c').get('s').add().load()).set('tc');
    f.get('dh').get('s').add().load().set('d');
    // dcTot = dc + dh * o * (1 - tc^2)
    f.get('dc').get('s').add().load();
    f.get('d').get('o').vmul().get('one').get('tc').get('tc').vmul().vsub().vmul().vadd().set('dt');
    // dPre_i = dcTot * z * sig'(i)
    gate.mulGrad(gateAddr(f, 'dPre', 0).get('dt').get('z').vmul(), 'i').store();
    // dPre_f = dcTot * cPrev * sig'(f)
    gate.mulGrad(gateAddr(f, 'dPre', 1).get('dt').get('cPrev').get('s').add().load().vmul(), 'f').store();
    // dPre_g = dcTot * i * (1 - z^2)
    gateAddr(f, 'dPre', 2).get('dt').get('i').vmul().get('one').get('z').get('z').vmul().vsub().vmul().store();
    // dPre_o = dh * tc * sig'(o)
    gate.mulGrad(gateAddr(f, 'dPre', 3).get('d').get('tc').vmul(), 'o').store();
    // dcPrev = dcTot * f
    f.get('dcPrev').get('s').add().get('dt').get('f').vmul().store();
  });
  return f;
}

function gruCell(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`gruCell${gate.suffix}`, [...ptrs('xp', 'hp', 'h', 'hOut', 'cache', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'rg', 'z', 'hpn', 'n');
  f.local(I32, 'q');
  declareMath(f);
  gate.setup(f);
  rowsAndColumns(f, 3, () => {
    // cache rows are 4H wide: q = r*4*u + jb = g + r*u (g = r*3*u + jb)
    f.get('g').get('r').get('u').mul().add().set('q');
    gate.act(gateAddr(gateAddr(f, 'xp', 0).load(), 'hp', 0).load().vadd()).set('rg');
    gate.act(gateAddr(gateAddr(f, 'xp', 1).load(), 'hp', 1).load().vadd()).set('z');
    gateAddr(f, 'hp', 2).load().set('hpn');
    vtanh(gateAddr(f, 'xp', 2).load().get('rg').get('hpn').vmul().vadd()).set('n');
    cacheAddr(f, 0).get('rg').store();
    cacheAddr(f, 1).get('z').store();
    cacheAddr(f, 2).get('n').store();
    cacheAddr(f, 3).get('hpn').store();
    // h' = n + z * (h - n)
    f.get('hOut').get('s').add().get('n').get('z').get('h').get('s').add().load().get('n').vsub().vmul().vadd().store();
  });
  return f;
}

function gruCellGrad(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`gruCellGrad${gate.suffix}`, [...ptrs('cache', 'h', 'dh', 'dXp', 'dHp', 'dhDirect', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'rg', 'z', 'n', 'hpn', 'd', 'dn', 'dz', 'dr', 'one');
  f.local(I32, 'q');
  gate.setup(f);
  f.f32x4(1).set('one');
  rowsAndColumns(f, 3, () => {
    f.get('g').get('r').get('u').mul().add().set('q');
    cacheAddr(f, 0).load().set('rg');
    cacheAddr(f, 1).load().set('z');
    cacheAddr(f, 2).load().set('n');
    cacheAddr(f, 3).load().set('hpn');
    f.get('dh').get('s').add().load().set('d');
    // dn = d * (1 - z) * (1 - n^2)
    f.get('d').get('one').get('z').vsub().vmul().get('one').get('n').get('n').vmul().vsub().vmul().set('dn');
    // dz = d * (h - n) * sig'(z)
    gate.mulGrad(f.get('d').get('h').get('s').add().load().get('n').vsub().vmul(), 'z').set('dz');
    // dr = dn * hpn * sig'(r)
    gate.mulGrad(f.get('dn').get('hpn').vmul(), 'rg').set('dr');
    gateAddr(f, 'dXp', 0).get('dr').store();
    gateAddr(f, 'dXp', 1).get('dz').store();
    gateAddr(f, 'dXp', 2).get('dn').store();
    gateAddr(f, 'dHp', 0).get('dr').store();
    gateAddr(f, 'dHp', 1).get('dz').store();
    gateAddr(f, 'dHp', 2).get('dn').get('rg').vmul().store();
    f.get('dhDirect').get('s').add().get('d').get('z').vmul().store();
  });
  return f;
}

/*
 * The reset-before GRU in a sequence program (core's gruBeforeSequence and its backward): the
 * step ops' formulas (../gru.ts's gruBefore*), reading and writing the sequence's cache rows
 * [r, z, n, r*h] (4H wide) in place: q = g + r*u is a unit's offset there (g = r*3u + jb), and
 * g - r*u its offset in a [B, 2H] row (the r|z matmul's output).
 */

/** (xp [B, 3H], hpRz [B, 2H], h) -> cache r, z = sig(xp + hpRz) and r*h. */
function gruBeforeGates(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`gruBeforeGates${gate.suffix}`, [...ptrs('xp', 'hp', 'h', 'cache', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'rg', 'z');
  f.local(I32, 'q', 'k');
  declareMath(f);
  gate.setup(f);
  rowsAndColumns(f, 3, () => {
    f.get('g').get('r').get('u').mul().add().set('q');
    f.get('g').get('r').get('u').mul().sub().set('k');
    gate.act(gateAddr(f, 'xp', 0).load().get('hp').get('k').add().load().vadd()).set('rg');
    gate.act(gateAddr(f, 'xp', 1).load().get('hp').get('k').add().get('u').add().load().vadd()).set('z');
    cacheAddr(f, 0).get('rg').store();
    cacheAddr(f, 1).get('z').store();
    cacheAddr(f, 3).get('rg').get('h').get('s').add().load().vmul().store();
  });
  return f;
}

/** (xp, hpN [B, H], h, cache) -> cache n = tanh(xp_n + hpN), hOut = n + z*(h - n). */
function gruBeforeState(): Fn {
  const f = new Fn('gruBeforeState', ptrs('xp', 'hp', 'h', 'cache', 'hOut', 'batch', 'units'));
  f.local(V128, 'n');
  f.local(I32, 'q');
  declareMath(f);
  rowsAndColumns(f, 3, () => {
    f.get('g').get('r').get('u').mul().add().set('q');
    vtanh(gateAddr(f, 'xp', 2).load().get('hp').get('s').add().load().vadd()).set('n');
    cacheAddr(f, 2).get('n').store();
    f.get('hOut').get('s').add().get('n');
    cacheAddr(f, 1).load().get('h').get('s').add().load().get('n').vsub().vmul().vadd().store();
  });
  return f;
}

/** (cache, dh) -> dXp's n block: d(pre_n) = dh * (1 - z) * (1 - n^2). */
function gruBeforeGradN(): Fn {
  const f = new Fn('gruBeforeGradN', ptrs('cache', 'dh', 'dXp', 'batch', 'units'));
  f.local(V128, 'n', 'one');
  f.local(I32, 'q');
  f.f32x4(1).set('one');
  rowsAndColumns(f, 3, () => {
    f.get('g').get('r').get('u').mul().add().set('q');
    cacheAddr(f, 2).load().set('n');
    gateAddr(f, 'dXp', 2).get('dh').get('s').add().load().get('one');
    cacheAddr(f, 1).load().vsub().vmul();
    f.get('one').get('n').get('n').vmul().vsub().vmul().store();
  });
  return f;
}

/** (cache, h, dh, dRh = d(pre_n) @ Wh_n^T) -> dXp's r, z blocks and dhDirect = dh*z + dRh*r. */
function gruBeforeGrad(kind: GateKind = 'sigmoid'): Fn {
  const gate = GATE[kind];
  const f = new Fn(`gruBeforeGrad${gate.suffix}`, [...ptrs('cache', 'h', 'dh', 'dRh', 'dXp', 'dhDirect', 'batch', 'units'), ...gate.params]);
  f.local(V128, 'rg', 'z', 'hv', 'd', 'dr', 'one');
  f.local(I32, 'q');
  gate.setup(f);
  f.f32x4(1).set('one');
  rowsAndColumns(f, 3, () => {
    f.get('g').get('r').get('u').mul().add().set('q');
    cacheAddr(f, 0).load().set('rg');
    cacheAddr(f, 1).load().set('z');
    f.get('h').get('s').add().load().set('hv');
    f.get('dh').get('s').add().load().set('d');
    f.get('dRh').get('s').add().load().set('dr');
    // dr = dRh * h * sig'(r); dz = dh * (h - n) * sig'(z)
    gate.mulGrad(gateAddr(f, 'dXp', 0).get('dr').get('hv').vmul(), 'rg').store();
    gateAddr(f, 'dXp', 1).get('d').get('hv');
    cacheAddr(f, 2).load().vsub().vmul();
    gate.mulGrad(f, 'z').store();
    f.get('dhDirect').get('s').add().get('d').get('z').vmul().get('dr').get('rg').vmul().vadd().store();
  });
  return f;
}

export { gruBeforeGates, gruBeforeGrad, gruBeforeGradN, gruBeforeState, gruCell, gruCellGrad, lstmCell, lstmCellGrad };
