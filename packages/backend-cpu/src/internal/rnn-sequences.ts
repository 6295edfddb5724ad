/**
 * The whole-sequence SimpleRNN and GRU (reset-after) ops (core's simpleRnnSequence / gruSequence
 * and their backwards) in TypeScript, over Float32Arrays: the reference path (`simd: false`, and
 * layers under 4 units). Step by step, the same loops as the step ops (the matmul of ./matmul.ts,
 * then the step kernel on views of the time-major buffers), as ./lstm-sequence.ts does for the
 * LSTM. The WebAssembly path is wasm/kernels.ts's sequence programs.
 */
import { reluGrad, tanhGrad } from './activation-grad.js';
import { gruCell, gruCellGrad } from './gru.js';
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
