/**
 * Elementwise loops x -> out (same length). One plain function per op, so every loop is
 * monomorphic and its body is inlined, with no per-element call through a closure.
 */
import { sigmoid } from './scalar.js';
import type { F32 } from './types.js';

export type UnaryLoop = (x: F32, out: F32) => void;

export function neg(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = -x[i];
}
export function exp(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = Math.exp(x[i]);
}
export function log(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = Math.log(x[i]);
}
export function sqrt(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = Math.sqrt(x[i]);
}
export function abs(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = Math.abs(x[i]);
}
export function sign(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) {
    const v = x[i];
    out[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
  }
}
export function square(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) {
    const v = x[i];
    out[i] = v * v;
  }
}
export function tanh(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = Math.tanh(x[i]);
}
export function sigmoidLoop(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = sigmoid(x[i]);
}
export function relu(x: F32, out: F32): void {
  for (let i = 0, n = x.length; i < n; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : 0;
  }
}

export function affine(x: F32, out: F32, scale: number, shift: number): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = x[i] * scale + shift;
}
export function clip(x: F32, out: F32, min: number, max: number): void {
  for (let i = 0, n = x.length; i < n; i++) {
    const v = x[i];
    out[i] = v < min ? min : v > max ? max : v;
  }
}
