/**
 * The matmul's register tile, measured: GFLOP/s of the generated kernel for several tiles
 * (rows x four-lane vectors) on the matmul shapes of the benchmark workloads, operands packed
 * as the backend packs them, K blocked at 256, best of interleaved rounds.
 *
 *   node --conditions=@recurrent/source --import tsx bench/tiles.ts
 */
import { assembleModule } from '../src/internal/wasm/encode.js';
import { matmulFunction, packAFunction, packBFunction } from '../src/internal/wasm/matmul-wasm.js';

const TILES: [rows: number, vectors: number][] = [
  [4, 2],
  [4, 3],
  [3, 4],
  [2, 4],
  [6, 2],
  [8, 1],
  [4, 4],
];
/** [label, M, K, N, transposeA]: W2's recurrent step and weight gradient, W4's, and a square. */
const SHAPES: [string, number, number, number, boolean][] = [
  ['W2 h@Wh', 32, 128, 512, false],
  ['W2 dWh (A^T)', 128, 1600, 512, true],
  ['W4 h@Wh', 32, 256, 1024, false],
  ['W4 dWh (A^T)', 256, 3200, 1024, true],
  ['square', 256, 256, 256, false],
];

type F = (...a: number[]) => void;
const memory = new WebAssembly.Memory({ initial: 2048 });
const heap = new Float32Array(memory.buffer);
for (let i = 0; i < heap.length; i++) heap[i] = Math.random() - 0.5;
const kernels = TILES.map(([mr, nv]) => {
  const bytes = assembleModule([matmulFunction('mm', mr, nv, 8).def(), packAFunction('pa', mr).def(), packBFunction('pb', nv).def()]);
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, F>;
  return { mr, nv, mm: ex.mm, pa: ex.pa, pb: ex.pb };
});

const MB = 2 ** 20;
const [A, B, OUT, AP, BP] = [0, 16, 32, 48, 64].map((m) => 64 + m * MB);
console.log(`node ${process.version}; GFLOP/s, best of 7 interleaved rounds`);
console.log(`${'shape'.padEnd(28)} ${TILES.map(([r, v]) => `${r}x${v}`.padStart(7)).join('')}`);
for (const [label, m, k, n, tA] of SHAPES) {
  const ars = tA ? 4 : 4 * k;
  const aks = tA ? 4 * m : 4;
  const runs = kernels.map(({ mr, nv, mm, pa, pb }) => {
    const aPanels = Math.floor(m / mr);
    const aps = 4 * mr * k;
    const bPanels = Math.floor(n / (4 * nv));
    const bps = 16 * nv * k;
    pb(B, 4 * n, BP, bps, k, bPanels); // B panels made once, as for a weight used at every step
    const kc = Math.ceil(k / Math.ceil(k / 256));
    return () => {
      pa(A, ars, aks, AP, aps, k, aPanels);
      for (let k0 = 0; k0 < k; k0 += kc)
        mm(A + k0 * aks, B + k0 * 4 * n, 0, OUT, m, n, Math.min(kc, k - k0), ars, aks, 4 * n, 4 * n, k0 ? 1 : 0, AP + k0 * 4 * mr, aps, BP + k0 * 16 * nv, bps);
    };
  });
  const flops = 2 * m * n * k;
  const reps = Math.max(1, Math.round(2e8 / flops));
  const best = runs.map(() => 0);
  for (const r of runs) for (let i = 0; i < reps * 3; i++) r();
  for (let round = 0; round < 7; round++)
    runs.forEach((r, i) => {
      const t0 = performance.now();
      for (let j = 0; j < reps; j++) r();
      best[i] = Math.max(best[i], (flops * reps) / ((performance.now() - t0) * 1e6));
    });
  console.log(`${`${label} ${m}x${k}x${n}`.padEnd(28)} ${best.map((g) => g.toFixed(1).padStart(7)).join('')}`);
}
