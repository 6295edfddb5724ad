/**
 * The fused ops built from primitives. Used when a backend does not provide a fused kernel;
 * the conformance suite runs both paths. These are also the readable definition of each
 * fused op: a backend's fused kernel must compute exactly this.
 */
import type { FusedAttrsOf, FusedName } from '../backend.js';
import type { Engine, Tensor } from '../engine.js';
import { checkedSlope, gateBySlope, gateGradBySlope } from '../recurrent-activation.js';

type Fallback<K extends FusedName> = (e: Engine, inputs: Tensor[], attrs: FusedAttrsOf<K>) => Record<string, Tensor>;

const cols = (e: Engine, x: Tensor, k: number, h: number): Tensor => e.sliceCols(x, k * h, h);

/** The gates' function `sig` (attribute recurrentActivation): an unknown name is a ConfigError, never a guess. */
const slopeOf = (op: string, a: unknown): number => checkedSlope(`${op}: recurrentActivation`, a);

/** T tensors [B, X] -> one time-major [T, B, X]. */
function stackSteps(e: Engine, xs: Tensor[]): Tensor {
  const [b, x] = xs[0].shape;
  return e.stackTime(xs.map((t) => t.reshape([1, b * x]))).reshape([xs.length, b, x]);
}

/** Step t [B, X] of a time-major [T, B, X]. */
export function stepOf(e: Engine, xs: Tensor, t: number): Tensor {
  const [T, b, x] = xs.shape;
  return e.sliceTime(xs.reshape([1, T, b * x]), t).reshape([b, x]);
}

/** A reset-before GRU's recurrent weights by matmul: Wh[:, r|z], Wh[:, n] and the same columns of bh. */
function resetBeforeWeights(e: Engine, wh: Tensor, bh?: Tensor): { rz: Tensor; n: Tensor; bRz?: Tensor; bN?: Tensor } {
  const H = wh.shape[0];
  const b = bh?.reshape([1, 3 * H]);
  return {
    rz: e.sliceCols(wh, 0, 2 * H),
    n: e.sliceCols(wh, 2 * H, H),
    bRz: b && e.sliceCols(b, 0, 2 * H).reshape([2 * H]),
    bN: b && e.sliceCols(b, 2 * H, H).reshape([H]),
  };
}

export const fusedFallbacks: { [K in FusedName]: Fallback<K> } = {
  simpleRnnCell: (e, [xp, hp], { activation }) => {
    const pre = e.add(xp, hp);
    return { h: activation === 'relu' ? e.relu(pre) : e.tanh(pre) };
  },
  lstmCell: (e, [xp, hp, c], { recurrentActivation }) => {
    const s = slopeOf('lstmCell', recurrentActivation);
    const h = c.shape[1];
    const pre = e.add(xp, hp);
    const i = gateBySlope(e, cols(e, pre, 0, h), s);
    const f = gateBySlope(e, cols(e, pre, 1, h), s);
    const g = e.tanh(cols(e, pre, 2, h));
    const o = gateBySlope(e, cols(e, pre, 3, h), s);
    const cNew = e.add(e.mul(f, c), e.mul(i, g));
    const hNew = e.mul(o, e.tanh(cNew));
    return { h: hNew, c: cNew, gates: e.concatCols([i, f, g, o]) };
  },
  lstmCellGrad: (e, [gates, cPrev, c, dh, dc], { recurrentActivation }) => {
    const s = slopeOf('lstmCellGrad', recurrentActivation);
    const h = c.shape[1];
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => cols(e, gates, k, h));
    const tc = e.tanh(c);
    // dc_total = dc + dh * o * (1 - tanh(c)^2)
    const dcTot = e.add(dc, e.tanhGrad(tc, e.mul(dh, o)));
    const di = gateGradBySlope(e, i, e.mul(dcTot, g), s);
    const df = gateGradBySlope(e, f, e.mul(dcTot, cPrev), s);
    const dg = e.tanhGrad(g, e.mul(dcTot, i));
    const dO = gateGradBySlope(e, o, e.mul(dh, tc), s);
    return { dPre: e.concatCols([di, df, dg, dO]), dcPrev: e.mul(dcTot, f) };
  },
  lstmSequence: (e, [xp, wh, h0, c0, bh], attrs) => {
    const T = xp.shape[1];
    const hIn: Tensor[] = [h0];
    const cs: Tensor[] = [];
    const gates: Tensor[] = [];
    let c = c0;
    for (let t = 0; t < T; t++) {
      const out = e.fused('lstmCell', [e.sliceTime(xp, t), e.matmul(hIn[t], wh, { bias: bh }), c], attrs);
      hIn.push(out.h);
      cs.push(out.c);
      gates.push(out.gates);
      c = out.c;
    }
    const h = hIn.pop() as Tensor;
    return { y: e.stackTime([...hIn.slice(1), h]), hIn: stackSteps(e, hIn), cs: stackSteps(e, cs), gates: stackSteps(e, gates), h, c };
  },
  lstmSequenceGrad: (e, [gates, cs, c0, wh, dhT, dcT, dy], attrs) => {
    const T = gates.shape[0];
    const dPre: Tensor[] = new Array(T);
    let dh = dy ? e.add(dhT, e.sliceTime(dy, T - 1)) : dhT;
    let dc = dcT;
    for (let t = T - 1; t >= 0; t--) {
      const g = e.fused('lstmCellGrad', [stepOf(e, gates, t), t > 0 ? stepOf(e, cs, t - 1) : c0, stepOf(e, cs, t), dh, dc], attrs);
      dPre[t] = g.dPre;
      const back = e.matmul(g.dPre, wh, { transposeB: true });
      dh = dy && t > 0 ? e.add(e.sliceTime(dy, t - 1), back) : back;
      dc = g.dcPrev;
    }
    return { dPre: stackSteps(e, dPre), dh0: dh, dc0: dc };
  },
  simpleRnnSequence: (e, [xp, wh, h0, bh], attrs) => {
    const T = xp.shape[1];
    const hIn: Tensor[] = [h0];
    for (let t = 0; t < T; t++) hIn.push(e.fused('simpleRnnCell', [e.sliceTime(xp, t), e.matmul(hIn[t], wh, { bias: bh })], attrs).h);
    const h = hIn.pop() as Tensor;
    return { y: e.stackTime([...hIn.slice(1), h]), hIn: stackSteps(e, hIn), h };
  },
  simpleRnnSequenceGrad: (e, [hIn, hLast, wh, dhT, dy], { activation }) => {
    const T = hIn.shape[0];
    const dPre: Tensor[] = new Array(T);
    let dh = dy ? e.add(dhT, e.sliceTime(dy, T - 1)) : dhT;
    for (let t = T - 1; t >= 0; t--) {
      const h = t < T - 1 ? stepOf(e, hIn, t + 1) : hLast;
      dPre[t] = activation === 'relu' ? e.reluGrad(h, dh) : e.tanhGrad(h, dh);
      const back = e.matmul(dPre[t], wh, { transposeB: true });
      dh = dy && t > 0 ? e.add(e.sliceTime(dy, t - 1), back) : back;
    }
    return { dPre: stackSteps(e, dPre), dh0: dh };
  },
  gruSequence: (e, [xp, wh, h0, bh], attrs) => {
    const T = xp.shape[1];
    const hIn: Tensor[] = [h0];
    const cache: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const out = e.fused('gruCell', [e.sliceTime(xp, t), e.matmul(hIn[t], wh, { bias: bh }), hIn[t]], attrs);
      hIn.push(out.h);
      cache.push(out.cache);
    }
    const h = hIn.pop() as Tensor;
    return { y: e.stackTime([...hIn.slice(1), h]), hIn: stackSteps(e, hIn), cache: stackSteps(e, cache), h };
  },
  gruSequenceGrad: (e, [cache, hIn, wh, dhT, dy], attrs) => {
    const T = cache.shape[0];
    const dXp: Tensor[] = new Array(T);
    const dHp: Tensor[] = new Array(T);
    let dh = dy ? e.add(dhT, e.sliceTime(dy, T - 1)) : dhT;
    for (let t = T - 1; t >= 0; t--) {
      const g = e.fused('gruCellGrad', [stepOf(e, cache, t), stepOf(e, hIn, t), dh], attrs);
      dXp[t] = g.dXp;
      dHp[t] = g.dHp;
      const back = e.add(g.dhDirect, e.matmul(g.dHp, wh, { transposeB: true }));
      dh = dy && t > 0 ? e.add(e.sliceTime(dy, t - 1), back) : back;
    }
    return { dXp: stackSteps(e, dXp), dHp: stackSteps(e, dHp), dh0: dh };
  },
  gruBeforeSequence: (e, [xp, wh, h0, bh], attrs) => {
    const T = xp.shape[1];
    const { rz: whRz, n: whN, bRz, bN } = resetBeforeWeights(e, wh, bh);
    const hIn: Tensor[] = [h0];
    const cache: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xpt = e.sliceTime(xp, t);
      const { rz, rh } = e.fused('gruBeforeGates', [xpt, e.matmul(hIn[t], whRz, { bias: bRz }), hIn[t]], attrs);
      const { h, n } = e.fused('gruBeforeState', [xpt, e.matmul(rh, whN, { bias: bN }), rz, hIn[t]], {});
      hIn.push(h);
      cache.push(e.concatCols([rz, n, rh]));
    }
    const h = hIn.pop() as Tensor;
    return { y: e.stackTime([...hIn.slice(1), h]), hIn: stackSteps(e, hIn), cache: stackSteps(e, cache), h };
  },
  gruBeforeSequenceGrad: (e, [cache, hIn, wh, dhT, dy], attrs) => {
    const [T, , H] = hIn.shape;
    const { rz: whRz, n: whN } = resetBeforeWeights(e, wh);
    const dXp: Tensor[] = new Array(T);
    let dh = dy ? e.add(dhT, e.sliceTime(dy, T - 1)) : dhT;
    for (let t = T - 1; t >= 0; t--) {
      const c = stepOf(e, cache, t);
      const rz = e.sliceCols(c, 0, 2 * H);
      const n = cols(e, c, 2, H);
      const { dPreN } = e.fused('gruBeforeGradN', [rz, n, dh], {});
      const g = e.fused('gruBeforeGrad', [rz, n, stepOf(e, hIn, t), dh, e.matmul(dPreN, whN, { transposeB: true })], attrs);
      dXp[t] = g.dXp;
      const back = e.add(g.dhDirect, e.matmul(e.sliceCols(g.dXp, 0, 2 * H), whRz, { transposeB: true }));
      dh = dy && t > 0 ? e.add(e.sliceTime(dy, t - 1), back) : back;
    }
    return { dXp: stackSteps(e, dXp), dh0: dh };
  },
  gruCell: (e, [xp, hp, hPrev], { recurrentActivation }) => {
    const s = slopeOf('gruCell', recurrentActivation);
    const h = hPrev.shape[1];
    const r = gateBySlope(e, e.add(cols(e, xp, 0, h), cols(e, hp, 0, h)), s);
    const z = gateBySlope(e, e.add(cols(e, xp, 1, h), cols(e, hp, 1, h)), s);
    const hpn = cols(e, hp, 2, h);
    const n = e.tanh(e.add(cols(e, xp, 2, h), e.mul(r, hpn)));
    // h' = (1-z)*n + z*h = n + z*(h - n)
    const hNew = e.add(n, e.mul(z, e.sub(hPrev, n)));
    return { h: hNew, cache: e.concatCols([r, z, n, hpn]) };
  },
  gruCellGrad: (e, [cache, hPrev, dh], { recurrentActivation }) => {
    const s = slopeOf('gruCellGrad', recurrentActivation);
    const h = hPrev.shape[1];
    const [r, z, n, hpn] = [0, 1, 2, 3].map((k) => cols(e, cache, k, h));
    const dn = e.tanhGrad(n, e.mul(dh, e.affine(z, -1, 1)));
    const dz = gateGradBySlope(e, z, e.mul(dh, e.sub(hPrev, n)), s);
    const dr = gateGradBySlope(e, r, e.mul(dn, hpn), s);
    const dhpn = e.mul(dn, r);
    return {
      dXp: e.concatCols([dr, dz, dn]),
      dHp: e.concatCols([dr, dz, dhpn]),
      dhDirect: e.mul(dh, z),
    };
  },
  gruBeforeGates: (e, [xp, hpRz, hPrev], { recurrentActivation }) => {
    const s = slopeOf('gruBeforeGates', recurrentActivation);
    const h = hPrev.shape[1];
    const rz = gateBySlope(e, e.add(e.sliceCols(xp, 0, 2 * h), hpRz), s);
    return { rz, rh: e.mul(cols(e, rz, 0, h), hPrev) };
  },
  gruBeforeState: (e, [xp, hpN, rz, hPrev]) => {
    const h = hPrev.shape[1];
    const n = e.tanh(e.add(cols(e, xp, 2, h), hpN));
    return { h: e.add(n, e.mul(cols(e, rz, 1, h), e.sub(hPrev, n))), n };
  },
  gruBeforeGradN: (e, [rz, n, dh]) => {
    const h = n.shape[1];
    return { dPreN: e.tanhGrad(n, e.mul(dh, e.affine(cols(e, rz, 1, h), -1, 1))) };
  },
  gruBeforeGrad: (e, [rz, n, hPrev, dh, dRh], { recurrentActivation }) => {
    const s = slopeOf('gruBeforeGrad', recurrentActivation);
    const h = n.shape[1];
    const r = cols(e, rz, 0, h);
    const z = cols(e, rz, 1, h);
    const dPreN = e.tanhGrad(n, e.mul(dh, e.affine(z, -1, 1)));
    const dz = gateGradBySlope(e, z, e.mul(dh, e.sub(hPrev, n)), s);
    const dr = gateGradBySlope(e, r, e.mul(dRh, hPrev), s);
    return { dXp: e.concatCols([dr, dz, dPreN]), dhDirect: e.add(e.mul(dh, z), e.mul(dRh, r)) };
  },
  adamUpdate: (e, [p, g, m, v], { lr, beta1, beta2, eps, step, decoupledDecay }) => {
    const m2 = e.add(e.scale(m, beta1), e.scale(g, 1 - beta1));
    const v2 = e.add(e.scale(v, beta2), e.scale(e.square(g), 1 - beta2));
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const denom = e.affine(e.sqrt(e.scale(v2, 1 / bc2)), 1, eps);
    const upd = e.div(e.scale(m2, lr / bc1), denom);
    const decayed = decoupledDecay ? e.scale(p, 1 - lr * decoupledDecay) : p;
    return { p: e.sub(decayed, upd), m: m2, v: v2 };
  },
};
