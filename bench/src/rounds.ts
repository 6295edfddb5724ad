/**
 * Ours against PyTorch CPU, interleaved in rounds, through the path each side's users call:
 * `@recurrent/models` (sequential + trainOnBatch) on the CPU backend with 1 and N threads,
 * the hand-written core loop (src/libs/recurrent.ts) on N threads, and PyTorch
 * (`/usr/bin/python3` with torch: nn.LSTM/GRU/RNN + Linear + Adam, bench/py/torch_peer.py, one
 * persistent process) with 1 and N threads. Each round runs every side once (a few steps each),
 * so a burst of load from other processes hits all alike; the table gives each side's median
 * ms per step and the median of the per-round ratios. Each round also measures the matmul
 * limit: our SIMD matmul on [32x256] @ [256x1024] (the W4 recurrent product, N threads) in this
 * process, and torch.mm on the same shape (PyTorch's BLAS: Debian's distribution build, whose
 * BLAS may be the slow reference one; the printed config says).
 *
 *   pnpm --filter @recurrent/bench rounds [W1,W2,W4] [threads] [rounds]
 *
 * FLOPs per training step count what both sides compute: forward matmuls, their weight
 * gradients, and input gradients except the first layer's input (neither side computes it).
 * PyTorch is skipped with a note when `/usr/bin/python3 -c "import torch"` fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { recurrentRunner } from './libs/recurrent.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { flopShape, forwardFlops, WORKLOADS, type Workload, type WorkloadId } from './workloads.js';

const [only = 'W1,W2,W4', threadsArg = '2', roundsArg = '5'] = process.argv.slice(2);
const N = Number(threadsArg);
const ROUNDS = Number(roundsArg);
const REPEAT: Record<WorkloadId, number> = { W1: 20, W2: 4, W3: 4, W4: 1 };
const PY = '/usr/bin/python3';

/** FLOPs both sides compute per training step: 3x the forward matmuls, less the first layer's input gradient. */
function stepFlops(w: Workload): number {
  const s = flopShape(w);
  return 3 * forwardFlops(s) - 2 * s.batch * s.steps * s.features * s.gates * s.units;
}


/** The persistent PyTorch process, or null (with the reason) when torch is missing. */
function torchPeer() {
  const probe = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { peer: null, why: `${PY} cannot import torch (${(probe.stderr || '').trim().split('\n').pop()})` };
  const child = spawn(PY, [fileURLToPath(new URL('../py/torch_peer.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (req: object): Promise<Record<string, unknown>> => {
    child.stdin.write(`${JSON.stringify(req)}\n`);
    const { value } = await lines.next();
    return JSON.parse(value as string);
  };
  return { peer: { ask, close: () => child.stdin.end() }, why: '' };
}

/** Our SIMD matmul's best GFLOP/s on [m x k] @ [k x n] over `reps` calls. */
function ourMatmul(threads: number, m: number, n: number, k: number, reps: number): number {
  const be = createCpuBackend({ threads });
  const a = { dataId: be.write(new Float32Array(m * k).fill(0.5), [m, k]), shape: [m, k] };
  const b = { dataId: be.write(new Float32Array(k * n).fill(0.5), [k, n]), shape: [k, n] };
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    const out = be.kernels.matmul([a, b] as never, { transposeA: false, transposeB: false } as never, [m, n] as never);
    const dt = performance.now() - t0;
    be.dispose(out as never);
    if (i >= 2) best = Math.min(best, dt);
  }
  be.destroy?.();
  return (2 * m * n * k) / best / 1e6;
}

const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const { peer, why } = torchPeer();
console.log(`# rounds: ${new Date().toISOString()}, ${ROUNDS} rounds, N = ${N} threads, load average ${load()}`);
if (peer) {
  const info = await peer.ask({ info: true });
  const config = (info.config as string[]).filter((l) => /MKL|BLAS|CPU capability|OpenMP/.test(l)).map((l) => l.trim().slice(0, 80));
  console.log(`PyTorch ${info.torch} (Debian's python3-torch: a distribution build): ${config.join('; ')}`);
} else console.log(`PyTorch skipped: ${why}`);

for (const id of only.split(',') as WorkloadId[]) {
  const w = WORKLOADS[id];
  const flops = stepFlops(w);
  const sides: { name: string; run: () => Promise<number> }[] = [];
  const timed = (f: () => unknown) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < REPEAT[id]; i++) await f();
    return (performance.now() - t0) / REPEAT[id];
  };
  const ours1 = modelsRunner(w, 1);
  const oursN = modelsRunner(w, N);
  const core = await recurrentRunner(w, createCpuBackend({ threads: N }));
  sides.push({ name: `recurrent models trainOnBatch, 1 thread`, run: timed(ours1.step) });
  sides.push({ name: `recurrent models trainOnBatch, ${N} threads`, run: timed(oursN.step) });
  sides.push({ name: `recurrent core loop, ${N} threads`, run: timed(() => core.trainStep(0)) });
  if (peer)
    for (const threads of [1, N])
      sides.push({ name: `PyTorch ${threads} thread${threads > 1 ? 's' : ''}`, run: async () => (await peer.ask({ train: id, threads, repeat: REPEAT[id], ...w })).ms as number });
  for (const s of sides) await s.run(); // warm-up
  const ms: number[][] = sides.map(() => []);
  const limits: { ours: number[]; torch: number[] } = { ours: [], torch: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < sides.length; i++) ms[i].push(await sides[i].run());
    limits.ours.push(ourMatmul(N, 32, 1024, 256, 20));
    if (peer) limits.torch.push((await peer.ask({ sgemm: [32, 1024, 256], threads: N, reps: 20 })).gflops as number);
  }
  const base = sides.findIndex((s) => s.name.startsWith('PyTorch') && s.name.includes(`${N} thread`));
  console.log(`\n## ${id}: ${w.title}, batch ${w.batch}; ${(flops / 1e6).toFixed(0)} MFLOP per step; load after ${load()}\n`);
  console.log(`| side | ms/step, median | GFLOP/s | speed-up over our 1 thread, per round (median) | speed vs PyTorch ${N} threads, per round (median) |\n|---|---|---|---|---|`);
  const perRound = (i: number, ref: number) => {
    if (ref < 0) return '-';
    const ratios = ms[i].map((v, r) => ms[ref][r] / v);
    return `${ratios.map((x) => x.toFixed(2)).join(' ')} (**${median(ratios).toFixed(2)}x**)`;
  };
  sides.forEach((s, i) => {
    const m = median(ms[i]);
    console.log(`| ${s.name} | ${m.toFixed(1)} | ${(flops / m / 1e6).toFixed(1)} | ${perRound(i, 0)} | ${perRound(i, base)} |`);
  });
  console.log(`\nmatmul limit, same rounds, [32x256] @ [256x1024], ${N} threads: ours ${median(limits.ours).toFixed(1)} GFLOP/s (median of best-of-20)` + (peer ? `, torch.mm ${median(limits.torch).toFixed(1)} GFLOP/s` : ''));
  ours1.destroy();
  oursN.destroy();
}
peer?.close();
