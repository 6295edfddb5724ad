/** The jobs of bench:ceiling's workers (src/ceiling.ts). */
import type { WorkloadId } from './workloads.js';

export type Job =
  | { kind: 'compute'; iters: number }
  | { kind: 'matmul'; m: number; k: number; n: number; calls: number }
  /** `steps` trainOnBatch calls of workload `workload` at batch `batch` (@recurrent/models, CPU backend, 1 thread). */
  | { kind: 'train'; workload: WorkloadId; batch: number; steps: number };

/** Matmul calls per measurement: about 0.2 s of one core at 20 GFLOP/s. */
export const matmulCalls = ({ m, k, n }: { m: number; k: number; n: number }): number => Math.max(1, Math.round(4e9 / (2 * m * k * n)));

/**
 * A WebAssembly module exporting run(iters: i32) -> f32: `iters` times, 8 independent f32x4
 * chains acc = acc * 0.9999 + 0.0001 (a multiply and an add each, all in locals: no loads or
 * stores), then the sum of the lanes of the first accumulators, so nothing is dead code.
 * The values stay near 1 (no denormals, no overflow).
 */
export function computeModule(): Uint8Array<ArrayBuffer> {
  const v128 = (x: number) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer)];
  const CHAINS = 8;
  const MUL = 9; // locals: 0 iters, 1..8 accumulators, 9 multiplier, 10 addend
  const ADD = 10;
  const body: number[] = [0x01, 0x0a, 0x7b]; // 10 v128 locals
  for (let k = 1; k <= CHAINS; k++) body.push(...v128(k / 1000), 0x21, k);
  body.push(...v128(0.9999), 0x21, MUL, ...v128(0.0001), 0x21, ADD);
  body.push(0x02, 0x40, 0x03, 0x40); // block loop
  body.push(0x20, 0, 0x45, 0x0d, 1); // iters == 0: break
  for (let k = 1; k <= CHAINS; k++) body.push(0x20, k, 0x20, MUL, 0xfd, 0xe6, 0x01, 0x20, ADD, 0xfd, 0xe4, 0x01, 0x21, k);
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x21, 0, 0x0c, 0); // iters -= 1; continue
  body.push(0x0b, 0x0b);
  body.push(0x20, 1);
  for (let k = 2; k <= CHAINS; k++) body.push(0x20, k, 0xfd, 0xe4, 0x01);
  body.push(0xfd, 0x1f, 0, 0x0b); // lane 0
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  const code = [1, ...uleb(body.length), ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...section(7, [1, 3, 0x72, 0x75, 0x6e, 0x00, 0]),
    ...section(10, code),
  ]); // prettier-ignore
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
