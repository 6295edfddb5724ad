/**
 * The fused kernel table: the SimpleRNN, LSTM and GRU steps (and the LSTM and GRU backwards),
 * and Adam, each one pass; and the whole-sequence SimpleRNN, LSTM and GRU (reset-after) ops.
 * Outputs are allocated before any view is taken (see store.ts).
 * The recurrent activation (attribute recurrentActivation) reaches the loops as its hard-sigmoid
 * slope (0: the logistic sigmoid); a kernel declines (null) a value it does not know.
 */
import { hardSigmoidSlope, sizeOf, type DataId, type FusedKernels, type TensorInfo } from '@recurrent/core';
import { adamUpdate } from './adam.js';
import { gruBeforeGates, gruBeforeGrad, gruBeforeGradN, gruBeforeState, gruCell, gruCellGrad } from './gru.js';
import { lstmCell, lstmCellGrad } from './lstm.js';
import { lstmSequence, lstmSequenceGrad } from './lstm-sequence.js';
import { gruBeforeSequence, gruBeforeSequenceGrad, gruSequence, gruSequenceGrad, simpleRnnSequence, simpleRnnSequenceGrad } from './rnn-sequences.js';
import { relu, tanh } from './unary.js';
import type { Store } from './store.js';
import type { WasmKernels } from './wasm/kernels.js';

export function createFusedKernels(store: Store, wasm: WasmKernels | null): FusedKernels {
  const get = (t: TensorInfo) => store.get(t.dataId);
  const v = (id: DataId) => store.get(id);
  /** A reset-before GRU's [rows, 3H] weight (or [3H] bias, rows 1) as new buffers of its r|z and n columns. */
  const columnBlocks = (t: TensorInfo, rows: number): [DataId, DataId] => {
    const H = t.shape[t.shape.length - 1] / 3;
    const [rz, n] = [store.alloc(rows * 2 * H), store.alloc(rows * H)];
    const [src, a, b] = [get(t), v(rz), v(n)]; // views after the allocations
    for (let r = 0; r < rows; r++) {
      a.set(src.subarray(r * 3 * H, r * 3 * H + 2 * H), r * 2 * H);
      b.set(src.subarray(r * 3 * H + 2 * H, (r + 1) * 3 * H), r * H);
    }
    return [rz, n];
  };
  return {
    // h' = act(xp + hp): the sum, then the activation (the same functions as the add and
    // tanh / relu primitives, so both paths give the same bits).
    simpleRnnCell: ([xp, hp], { activation }, out) => {
      const n = sizeOf(out.h);
      const h = store.alloc(n);
      // The WebAssembly tanh is not in-place safe (its last vector may overlap the one before).
      const viaWasm = wasm !== null && activation === 'tanh' && n >= 4;
      const sum = viaWasm ? store.alloc(n) : h;
      const o = v(sum);
      const a = get(xp);
      const b = get(hp);
      for (let i = 0; i < n; i++) o[i] = a[i] + b[i];
      if (viaWasm) {
        wasm.tanh(sum, h, n);
        store.delete(sum);
      } else if (activation === 'relu') relu(o, o);
      else tanh(o, o);
      return { h };
    },
    lstmCell: ([xp, hp, c], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.h;
      const h = store.alloc(batch * units);
      const cNew = store.alloc(batch * units);
      const gates = store.alloc(batch * 4 * units);
      if (wasm && units >= 4) wasm.lstmCell(xp.dataId, hp.dataId, c.dataId, h, cNew, gates, batch, units, slope);
      else lstmCell(get(xp), get(hp), get(c), v(h), v(cNew), v(gates), batch, units, slope);
      return { h, c: cNew, gates };
    },
    lstmCellGrad: ([gates, cPrev, c, dh, dc], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.dcPrev;
      const dPre = store.alloc(batch * 4 * units);
      const dcPrev = store.alloc(batch * units);
      if (wasm && units >= 4)
        wasm.lstmCellGrad(gates.dataId, cPrev.dataId, c.dataId, dh.dataId, dc.dataId, dPre, dcPrev, batch, units, slope);
      else lstmCellGrad(get(gates), get(cPrev), get(c), get(dh), get(dc), v(dPre), v(dcPrev), batch, units, slope);
      return { dPre, dcPrev };
    },
    // The whole sequence: one job per thread in WebAssembly (each thread its batch rows), else the TypeScript loops.
    lstmSequence: ([xp, wh, h0, c0, bh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [B, T, H] = out.y;
      const ids = { y: store.alloc(B * T * H), hIn: store.alloc(T * B * H), cs: store.alloc(T * B * H), gates: store.alloc(T * B * 4 * H), h: store.alloc(B * H), c: store.alloc(B * H) };
      if (wasm && H >= 4) wasm.lstmSequence([xp.dataId, wh.dataId, h0.dataId, c0.dataId, ids.y, ids.hIn, ids.cs, ids.gates, ids.h, ids.c, bh ? bh.dataId : -1], B, T, H, slope);
      else lstmSequence(get(xp), get(wh), get(h0), get(c0), bh ? get(bh) : null, { y: v(ids.y), hIn: v(ids.hIn), cs: v(ids.cs), gates: v(ids.gates), h: v(ids.h), c: v(ids.c) }, B, T, H, slope);
      return ids;
    },
    lstmSequenceGrad: ([gates, cs, c0, wh, dh, dc, dy], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [T, B, G] = out.dPre;
      const H = G / 4;
      const ids = { dPre: store.alloc(T * B * G), dh0: store.alloc(B * H), dc0: store.alloc(B * H) };
      if (wasm && H >= 4)
        wasm.lstmSequenceGrad([gates.dataId, cs.dataId, c0.dataId, wh.dataId, dh.dataId, dc.dataId, dy ? dy.dataId : -1, ids.dPre, ids.dh0, ids.dc0], B, T, H, slope);
      else lstmSequenceGrad(get(gates), get(cs), get(c0), get(wh), get(dh), get(dc), dy ? get(dy) : null, { dPre: v(ids.dPre), dh0: v(ids.dh0), dc0: v(ids.dc0) }, B, T, H, slope);
      return ids;
    },
    simpleRnnSequence: ([xp, wh, h0, bh], { activation }, out) => {
      const [B, T, H] = out.y;
      const ids = { y: store.alloc(B * T * H), hIn: store.alloc(T * B * H), h: store.alloc(B * H) };
      const relu = activation === 'relu';
      if (wasm && H >= 4) wasm.simpleRnnSequence([xp.dataId, wh.dataId, h0.dataId, ids.y, ids.hIn, ids.h, bh ? bh.dataId : -1], B, T, H, relu ? 1 : 0);
      else simpleRnnSequence(get(xp), get(wh), get(h0), bh ? get(bh) : null, { y: v(ids.y), hIn: v(ids.hIn), h: v(ids.h) }, B, T, H, relu);
      return ids;
    },
    simpleRnnSequenceGrad: ([hIn, h, wh, dh, dy], { activation }, out) => {
      const [T, B, H] = out.dPre;
      const ids = { dPre: store.alloc(T * B * H), dh0: store.alloc(B * H) };
      const relu = activation === 'relu';
      if (wasm && H >= 4) wasm.simpleRnnSequenceGrad([hIn.dataId, h.dataId, wh.dataId, dh.dataId, dy ? dy.dataId : -1, ids.dPre, ids.dh0], B, T, H, relu ? 1 : 0);
      else simpleRnnSequenceGrad(get(hIn), get(h), get(wh), get(dh), dy ? get(dy) : null, { dPre: v(ids.dPre), dh0: v(ids.dh0) }, B, T, H, relu);
      return ids;
    },
    gruSequence: ([xp, wh, h0, bh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [B, T, H] = out.y;
      const ids = { y: store.alloc(B * T * H), hIn: store.alloc(T * B * H), cache: store.alloc(T * B * 4 * H), h: store.alloc(B * H) };
      if (wasm && H >= 4) wasm.gruSequence([xp.dataId, wh.dataId, h0.dataId, ids.y, ids.hIn, ids.cache, ids.h, bh ? bh.dataId : -1], B, T, H, slope);
      else gruSequence(get(xp), get(wh), get(h0), bh ? get(bh) : null, { y: v(ids.y), hIn: v(ids.hIn), cache: v(ids.cache), h: v(ids.h) }, B, T, H, slope);
      return ids;
    },
    gruSequenceGrad: ([cache, hIn, wh, dh, dy], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [T, B, G] = out.dXp;
      const H = G / 3;
      const ids = { dXp: store.alloc(T * B * G), dHp: store.alloc(T * B * G), dh0: store.alloc(B * H) };
      if (wasm && H >= 4) wasm.gruSequenceGrad([cache.dataId, hIn.dataId, wh.dataId, dh.dataId, dy ? dy.dataId : -1, ids.dXp, ids.dHp, ids.dh0], B, T, H, slope);
      else gruSequenceGrad(get(cache), get(hIn), get(wh), get(dh), dy ? get(dy) : null, { dXp: v(ids.dXp), dHp: v(ids.dHp), dh0: v(ids.dh0) }, B, T, H, slope);
      return ids;
    },
    // Reset-before: the two recurrent matmuls take Wh's r|z and n columns (and bh's), copied into
    // temporary buffers for the WebAssembly programs (their panels are packed from them once).
    gruBeforeSequence: ([xp, wh, h0, bh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [B, T, H] = out.y;
      const ids = { y: store.alloc(B * T * H), hIn: store.alloc(T * B * H), cache: store.alloc(T * B * 4 * H), h: store.alloc(B * H) };
      if (wasm && H >= 4) {
        const parts = [...columnBlocks(wh, H), ...(bh ? columnBlocks(bh, 1) : [-1, -1])];
        wasm.gruBeforeSequence([xp.dataId, parts[0], parts[1], h0.dataId, ids.y, ids.hIn, ids.cache, ids.h, parts[2], parts[3]], B, T, H, slope);
        for (const id of parts) if (id >= 0) store.delete(id);
      } else gruBeforeSequence(get(xp), get(wh), get(h0), bh ? get(bh) : null, { y: v(ids.y), hIn: v(ids.hIn), cache: v(ids.cache), h: v(ids.h) }, B, T, H, slope);
      return ids;
    },
    gruBeforeSequenceGrad: ([cache, hIn, wh, dh, dy], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [T, B, G] = out.dXp;
      const H = G / 3;
      const ids = { dXp: store.alloc(T * B * G), dh0: store.alloc(B * H) };
      if (wasm && H >= 4) {
        const parts = columnBlocks(wh, H);
        wasm.gruBeforeSequenceGrad([cache.dataId, hIn.dataId, parts[0], parts[1], dh.dataId, dy ? dy.dataId : -1, ids.dXp, ids.dh0], B, T, H, slope);
        for (const id of parts) store.delete(id);
      } else gruBeforeSequenceGrad(get(cache), get(hIn), get(wh), get(dh), dy ? get(dy) : null, { dXp: v(ids.dXp), dh0: v(ids.dh0) }, B, T, H, slope);
      return ids;
    },
    gruCell: ([xp, hp, h], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.h;
      const hNew = store.alloc(batch * units);
      const cache = store.alloc(batch * 4 * units);
      if (wasm && units >= 4) wasm.gruCell(xp.dataId, hp.dataId, h.dataId, hNew, cache, batch, units, slope);
      else gruCell(get(xp), get(hp), get(h), v(hNew), v(cache), batch, units, slope);
      return { h: hNew, cache };
    },
    gruCellGrad: ([cache, h, dh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.dhDirect;
      const dXp = store.alloc(batch * 3 * units);
      const dHp = store.alloc(batch * 3 * units);
      const dhDirect = store.alloc(batch * units);
      if (wasm && units >= 4) wasm.gruCellGrad(cache.dataId, h.dataId, dh.dataId, dXp, dHp, dhDirect, batch, units, slope);
      else gruCellGrad(get(cache), get(h), get(dh), v(dXp), v(dHp), v(dhDirect), batch, units, slope);
      return { dXp, dHp, dhDirect };
    },
    gruBeforeGates: ([xp, hpRz, h], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.rh;
      const rz = store.alloc(batch * 2 * units);
      const rh = store.alloc(batch * units);
      gruBeforeGates(get(xp), get(hpRz), get(h), v(rz), v(rh), batch, units, slope);
      return { rz, rh };
    },
    gruBeforeState: ([xp, hpN, rz, h], _attrs, out) => {
      const [batch, units] = out.h;
      const hNew = store.alloc(batch * units);
      const n = store.alloc(batch * units);
      gruBeforeState(get(xp), get(hpN), get(rz), get(h), v(hNew), v(n), batch, units);
      return { h: hNew, n };
    },
    gruBeforeGradN: ([rz, n, dh], _attrs, out) => {
      const [batch, units] = out.dPreN;
      const dPreN = store.alloc(batch * units);
      gruBeforeGradN(get(rz), get(n), get(dh), v(dPreN), batch, units);
      return { dPreN };
    },
    gruBeforeGrad: ([rz, n, h, dh, dRh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const [batch, units] = out.dhDirect;
      const dXp = store.alloc(batch * 3 * units);
      const dhDirect = store.alloc(batch * units);
      gruBeforeGrad(get(rz), get(n), get(h), get(dh), get(dRh), v(dXp), v(dhDirect), batch, units, slope);
      return { dXp, dhDirect };
    },
    adamUpdate: ([p, g, m, vv], attrs) => {
      const n = sizeOf(p.shape);
      const pOut = store.alloc(n);
      const mOut = store.alloc(n);
      const vOut = store.alloc(n);
      if (wasm && n >= 4) wasm.adam(p.dataId, g.dataId, m.dataId, vv.dataId, pOut, mOut, vOut, n, attrs);
      else adamUpdate(get(p), get(g), get(m), get(vv), v(pOut), v(mOut), v(vOut), attrs);
      return { p: pOut, m: mOut, v: vOut };
    },
  };
}
