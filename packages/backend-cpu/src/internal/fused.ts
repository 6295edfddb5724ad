/** The fused kernel table: the LSTM and GRU steps with their backwards, and Adam, each one pass. */
import type { FusedKernels, TensorInfo } from '@recurrent/core';
import { adamUpdate } from './adam.js';
import { gruCell, gruCellGrad } from './gru.js';
import { lstmCell, lstmCellGrad } from './lstm.js';
import type { BufferStore } from './store.js';

export function createFusedKernels(store: BufferStore): FusedKernels {
  const get = (t: TensorInfo) => store.get(t.dataId);
  return {
    lstmCell: ([xp, hp, c], _attrs, out) => {
      const [batch, units] = out.h;
      const h = new Float32Array(batch * units);
      const cNew = new Float32Array(batch * units);
      const gates = new Float32Array(batch * 4 * units);
      lstmCell(get(xp), get(hp), get(c), h, cNew, gates, batch, units);
      return { h: store.put(h), c: store.put(cNew), gates: store.put(gates) };
    },
    lstmCellGrad: ([gates, cPrev, c, dh, dc], _attrs, out) => {
      const [batch, units] = out.dcPrev;
      const dPre = new Float32Array(batch * 4 * units);
      const dcPrev = new Float32Array(batch * units);
      lstmCellGrad(get(gates), get(cPrev), get(c), get(dh), get(dc), dPre, dcPrev, batch, units);
      return { dPre: store.put(dPre), dcPrev: store.put(dcPrev) };
    },
    gruCell: ([xp, hp, h], _attrs, out) => {
      const [batch, units] = out.h;
      const hNew = new Float32Array(batch * units);
      const cache = new Float32Array(batch * 4 * units);
      gruCell(get(xp), get(hp), get(h), hNew, cache, batch, units);
      return { h: store.put(hNew), cache: store.put(cache) };
    },
    gruCellGrad: ([cache, h, dh], _attrs, out) => {
      const [batch, units] = out.dhDirect;
      const dXp = new Float32Array(batch * 3 * units);
      const dHp = new Float32Array(batch * 3 * units);
      const dhDirect = new Float32Array(batch * units);
      gruCellGrad(get(cache), get(h), get(dh), dXp, dHp, dhDirect, batch, units);
      return { dXp: store.put(dXp), dHp: store.put(dHp), dhDirect: store.put(dhDirect) };
    },
    adamUpdate: ([p, g, m, v], attrs) => {
      const pv = get(p);
      const n = pv.length;
      const pOut = new Float32Array(n);
      const mOut = new Float32Array(n);
      const vOut = new Float32Array(n);
      adamUpdate(pv, get(g), get(m), get(v), pOut, mOut, vOut, attrs);
      return { p: store.put(pOut), m: store.put(mOut), v: store.put(vOut) };
    },
  };
}
