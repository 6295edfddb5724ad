/**
 * The whole-sequence SimpleRNN and GRU ops (core's simpleRnnSequence, gruSequence and
 * gruBeforeSequence, and their backwards) in TypeScript, over Float32Arrays: the reference path (`simd: false`, and
 * layers under 4 units). Step by step, the same loops as the step ops (the matmul of ./matmul.ts,
 * then the step kernel on views of the time-major buffers), as ./lstm-sequence.ts does for the
 * LSTM. The WebAssembly path is wasm/kernels.ts's sequence programs.
 */
import { reluGrad, tanhGrad } from './activation-grad.js';
import { gruBeforeGates, gruBeforeGrad, gruBeforeGradN, gruBeforeState, gruCell, gruCellGrad } from './gru.js';
import { matmul } from './matmul.js';
import { relu, tanh } from './unary.js';
import type { F32 } from './types.js';

/** Step t of a batch-major [B, T, w] into a [B, w] buffer. */
export function gatherStep(x: F32, out: F32, B: number, T: number, w: number, t: number): void {
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t) * w, (b * T + t + 1) * w), b * w);
}
/** A [B, w] buffer into step t of a batch-major [B, T, w]. */
export function scatterStep(x: F32, out: F32, B: number, T: number, w: number, t: number): void {
  for (let b = 0; b < B; b++) out.set(x.subarray(b * w, (b + 1) * w), (b * T + t) * w);
}
/** Step t [B, w] of a time-major [T, B, w] (a view). */
export const stepView = (x: F32, B: number, w: number, t: number): F32 => x.subarray(t * B * w, (t + 1) * B * w);

/** dh of the last step: d(final h) + dy[:, T-1] (float32, as core's add), into `out`. */
export function lastStepGrad(dhT: F32, dy: F32 | null, out: F32, B: number, T: number, H: number): void {
  if (!dy) {
    out.set(dhT);
    return;
  }
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) out[b * H + j] = dhT[b * H + j] + dy[(b * T + T - 1) * H + j];
}
/** dst += dy[:, t] (float32). */
function addStep(dst: F32, dy: F32, B: number, T: number, H: number, t: number): void {
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) dst[b * H + j] += dy[(b * T + t) * H + j];
}

export function simpleRnnSequence(xp: F32, wh: F32, h0: F32, bh: F32 | null, out: { y: F32; hIn: F32; h: F32 }, B: number, T: number, H: number, useRelu: boolean): void {
  const xpt = new Float32Array(B * H);
  const hp = new Float32Array(B * H);
  out.hIn.set(h0, 0);
  for (let t = 0; t < T; t++) {
    matmul(stepView(out.hIn, B, H, t), wh, bh, hp, B, H, H, false, false);
    gatherStep(xp, xpt, B, T, H, t);
    const hOut = t < T - 1 ? stepView(out.hIn, B, H, t + 1) : out.h;
    for (let i = 0; i < B * H; i++) hOut[i] = xpt[i] + hp[i];
    if (useRelu) relu(hOut, hOut);
    else tanh(hOut, hOut);
    scatterStep(hOut, out.y, B, T, H, t);
  }
}

export function simpleRnnSequenceGrad(hIn: F32, hLast: F32, wh: F32, dhT: F32, dy: F32 | null, out: { dPre: F32; dh0: F32 }, B: number, T: number, H: number, useRelu: boolean): void {
  const dh = new Float32Array(B * H);
  lastStepGrad(dhT, dy, dh, B, T, H);
  for (let t = T - 1; t >= 0; t--) {
    const dPre = stepView(out.dPre, B, H, t);
    (useRelu ? reluGrad : tanhGrad)(t < T - 1 ? stepView(hIn, B, H, t + 1) : hLast, dh, dPre);
    matmul(dPre, wh, null, t === 0 ? out.dh0 : dh, B, H, H, false, true);
    if (t > 0 && dy) addStep(dh, dy, B, T, H, t - 1);
  }
}

export function gruSequence(xp: F32, wh: F32, h0: F32, bh: F32 | null, out: { y: F32; hIn: F32; cache: F32; h: F32 }, B: number, T: number, H: number, slope: number): void {
  const G = 3 * H;
  const xpt = new Float32Array(B * G);
  const hp = new Float32Array(B * G);
  out.hIn.set(h0, 0);
  for (let t = 0; t < T; t++) {
    const hPrev = stepView(out.hIn, B, H, t);
    matmul(hPrev, wh, bh, hp, B, G, H, false, false);
    gatherStep(xp, xpt, B, T, G, t);
    const hOut = t < T - 1 ? stepView(out.hIn, B, H, t + 1) : out.h;
    gruCell(xpt, hp, hPrev, hOut, stepView(out.cache, B, 4 * H, t), B, H, slope);
    scatterStep(hOut, out.y, B, T, H, t);
  }
}

export function gruSequenceGrad(cache: F32, hIn: F32, wh: F32, dhT: F32, dy: F32 | null, out: { dXp: F32; dHp: F32; dh0: F32 }, B: number, T: number, H: number, slope: number): void {
  const G = 3 * H;
  const dh = new Float32Array(B * H);
  const back = new Float32Array(B * H);
  lastStepGrad(dhT, dy, dh, B, T, H);
  for (let t = T - 1; t >= 0; t--) {
    const dHp = stepView(out.dHp, B, G, t);
    const direct = t === 0 ? out.dh0 : dh; // dh is read before dhDirect is written, element by element
    gruCellGrad(stepView(cache, B, 4 * H, t), stepView(hIn, B, H, t), dh, stepView(out.dXp, B, G, t), dHp, direct, B, H, slope);
    matmul(dHp, wh, null, back, B, H, G, false, true);
    for (let i = 0; i < B * H; i++) direct[i] += back[i];
    if (t > 0 && dy) addStep(dh, dy, B, T, H, t - 1);
  }
}

/** Columns [c0, c0 + w) of a row-major [rows, n] matrix, as a new [rows, w] one. */
function columns(m: F32, rows: number, n: number, c0: number, w: number): F32 {
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * n + c0, r * n + c0 + w), r * w);
  return out;
}

/** Cache row blocks [r, z, n, r*h] (4H) <-> rz [B, 2H], n and rh [B, H]. */
function packCache(cache: F32, rz: F32, n: F32, rh: F32, B: number, H: number): void {
  for (let b = 0; b < B; b++) {
    const o = b * 4 * H;
    cache.set(rz.subarray(b * 2 * H, (b + 1) * 2 * H), o);
    cache.set(n.subarray(b * H, (b + 1) * H), o + 2 * H);
    cache.set(rh.subarray(b * H, (b + 1) * H), o + 3 * H);
  }
}

export function gruBeforeSequence(xp: F32, wh: F32, h0: F32, bh: F32 | null, out: { y: F32; hIn: F32; cache: F32; h: F32 }, B: number, T: number, H: number, slope: number): void {
  const G = 3 * H;
  const [whRz, whN] = [columns(wh, H, G, 0, 2 * H), columns(wh, H, G, 2 * H, H)];
  const [bRz, bN] = bh ? [bh.subarray(0, 2 * H), bh.subarray(2 * H)] : [null, null];
  const xpt = new Float32Array(B * G);
  const hpRz = new Float32Array(B * 2 * H);
  const rz = new Float32Array(B * 2 * H);
  const [hpN, rh, n] = [new Float32Array(B * H), new Float32Array(B * H), new Float32Array(B * H)];
  out.hIn.set(h0, 0);
  for (let t = 0; t < T; t++) {
    const hPrev = stepView(out.hIn, B, H, t);
    matmul(hPrev, whRz, bRz, hpRz, B, 2 * H, H, false, false);
    gatherStep(xp, xpt, B, T, G, t);
    gruBeforeGates(xpt, hpRz, hPrev, rz, rh, B, H, slope);
    matmul(rh, whN, bN, hpN, B, H, H, false, false);
    const hOut = t < T - 1 ? stepView(out.hIn, B, H, t + 1) : out.h;
    gruBeforeState(xpt, hpN, rz, hPrev, hOut, n, B, H);
    packCache(stepView(out.cache, B, 4 * H, t), rz, n, rh, B, H);
    scatterStep(hOut, out.y, B, T, H, t);
  }
}

export function gruBeforeSequenceGrad(cache: F32, hIn: F32, wh: F32, dhT: F32, dy: F32 | null, out: { dXp: F32; dh0: F32 }, B: number, T: number, H: number, slope: number): void {
  const G = 3 * H;
  const [whRz, whN] = [columns(wh, H, G, 0, 2 * H), columns(wh, H, G, 2 * H, H)];
  const [dh, dPreN, dRh, direct, back] = Array.from({ length: 5 }, () => new Float32Array(B * H));
  lastStepGrad(dhT, dy, dh, B, T, H);
  for (let t = T - 1; t >= 0; t--) {
    const c = stepView(cache, B, 4 * H, t);
    const rz = columns(c, B, 4 * H, 0, 2 * H);
    const n = columns(c, B, 4 * H, 2 * H, H);
    gruBeforeGradN(rz, n, dh, dPreN, B, H);
    matmul(dPreN, whN, null, dRh, B, H, H, false, true);
    const dXp = stepView(out.dXp, B, G, t);
    gruBeforeGrad(rz, n, stepView(hIn, B, H, t), dh, dRh, dXp, direct, B, H, slope);
    matmul(columns(dXp, B, G, 0, 2 * H), whRz, null, back, B, H, 2 * H, false, true);
    const next = t === 0 ? out.dh0 : dh;
    for (let i = 0; i < B * H; i++) next[i] = direct[i] + back[i];
    if (t > 0 && dy) addStep(dh, dy, B, T, H, t - 1);
  }
}
