/**
 * The whole-sequence LSTM ops (core's lstmSequence / lstmSequenceGrad) in TypeScript, over
 * Float32Arrays: the reference path (`simd: false`, and layers under 4 units, which the
 * WebAssembly cell kernels do not take). Step by step, the same loops as the step ops: the
 * matmul of ./matmul.ts, then lstmCell / lstmCellGrad of ./lstm.ts on views of the time-major
 * buffers. The WebAssembly path is wasm/kernels.ts's sequence programs.
 */
import { lstmCell, lstmCellGrad } from './lstm.js';
import { matmul } from './matmul.js';
import { gatherStep, lastStepGrad, scatterStep } from './rnn-sequences.js';
import type { F32 } from './types.js';

/** Outputs of lstmSequence, time-major where core's FusedSpec says so. */
export interface LstmSequenceOut {
  y: F32;
  hIn: F32;
  cs: F32;
  gates: F32;
  h: F32;
  c: F32;
}

export function lstmSequence(xp: F32, wh: F32, h0: F32, c0: F32, bh: F32 | null, out: LstmSequenceOut, B: number, T: number, H: number, slope: number): void {
  const G = 4 * H;
  const hp = new Float32Array(B * G);
  const xpt = new Float32Array(B * G);
  out.hIn.set(h0, 0);
  for (let t = 0; t < T; t++) {
    const hIn = out.hIn.subarray(t * B * H, (t + 1) * B * H);
    matmul(hIn, wh, bh, hp, B, G, H, false, false);
    gatherStep(xp, xpt, B, T, G, t);
    const cPrev = t === 0 ? c0 : out.cs.subarray((t - 1) * B * H, t * B * H);
    const hOut = t < T - 1 ? out.hIn.subarray((t + 1) * B * H, (t + 2) * B * H) : out.h;
    const cOut = out.cs.subarray(t * B * H, (t + 1) * B * H);
    lstmCell(xpt, hp, cPrev, hOut, cOut, out.gates.subarray(t * B * G, (t + 1) * B * G), B, H, slope);
    scatterStep(hOut, out.y, B, T, H, t);
  }
  out.c.set(out.cs.subarray((T - 1) * B * H, T * B * H));
}

export function lstmSequenceGrad(
  gates: F32,
  cs: F32,
  c0: F32,
  wh: F32,
  dhT: F32,
  dcT: F32,
  dy: F32 | null,
  out: { dPre: F32; dh0: F32; dc0: F32 },
  B: number,
  T: number,
  H: number,
  slope: number,
): void {
  const G = 4 * H;
  const dh = new Float32Array(B * H);
  const back = new Float32Array(B * H);
  let dc: F32 = dcT;
  lastStepGrad(dhT, dy, dh, B, T, H);
  for (let t = T - 1; t >= 0; t--) {
    const dPre = out.dPre.subarray(t * B * G, (t + 1) * B * G);
    const cPrev = t === 0 ? c0 : cs.subarray((t - 1) * B * H, t * B * H);
    const dcPrev = t === 0 ? out.dc0 : new Float32Array(B * H);
    lstmCellGrad(gates.subarray(t * B * G, (t + 1) * B * G), cPrev, cs.subarray(t * B * H, (t + 1) * B * H), dh, dc, dPre, dcPrev, B, H, slope);
    dc = dcPrev;
    matmul(dPre, wh, null, t === 0 ? out.dh0 : back, B, H, G, false, true);
    if (t > 0)
      for (let i = 0; i < B * H; i++) dh[i] = dy ? dy[(Math.floor(i / H) * T + t - 1) * H + (i % H)] + back[i] : back[i];
  }
}
