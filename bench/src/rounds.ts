/**
 * `pnpm bench` (the default mode of src/main.ts): ours against the peers, interleaved in rounds,
 * through the path each side's users call, in one process. Each round runs every side once (a
 * few steps each), so a burst of load from other processes hits all alike; the tables give
 * each side's median ms per step, and the median of the per-round ratios.
 *
 * Sides, per workload (src/workloads.ts):
 *  - `@recurrent/models` (sequential + compile + trainOnBatch; predict) on the CPU backend with
 *    1 thread and with N threads (default: the backend's default, the cores up to 4);
 *  - the hand-written core loop (src/libs/recurrent.ts: rnnForward / rnnBackward / adam) on N threads;
 *  - tfjs-layers 4.22 on tfjs-backend-wasm (trainOnBatch; predict), one thread in Node;
 *  - PyTorch CPU (`/usr/bin/python3` with torch: nn.LSTM/GRU/RNN + Linear + Adam,
 *    py/torch_peer.py, one persistent process) with 1 and N threads; skipped with a note when
 *    `import torch` fails.
 * Each round also measures the matmul limit: our SIMD matmul on [32x256] @ [256x1024] (the W4
 * recurrent product, N threads) in this process, and torch.mm on the same shape.
 *
 * FLOPs per training step count what every side computes: forward matmuls, their weight
 * gradients, and input gradients except the first layer's input (nobody computes it).
 * Threads: the N-thread models side's jobs per step and busy milliseconds per thread (the
 * backend's threadStats: CPU work that load from other processes does not change much, unlike
 * wall time), and the resident memory each extra thread adds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createCpuBackend, threadStats } from '@recurrent/backend-cpu';
import { recurrentRunner } from './libs/recurrent.js';
import { modelsRunner } from './libs/recurrent-models.js';
import { cpuBetween, threadCpu } from './thread-cpu.js';
import { flopShape, forwardFlops, WORKLOADS, type Workload, type WorkloadId } from './workloads.js';

export interface RoundsOptions {
  only: WorkloadId[];
  /** Our threads (and PyTorch's second configuration). */
  threads: number;
  rounds: number;
  /** Include tfjs-layers on tfjs-backend-wasm. */
  tfjs: boolean;
  quick: boolean;
}

/** Training steps per side and round: some 0.1-0.4 s of our work each. */
const REPEAT: Record<WorkloadId, number> = { W1: 20, W2: 4, W3: 4, W4: 1 };
const PY = '/usr/bin/python3';

/** FLOPs every side computes per training step: 3x the forward matmuls, less the first layer's input gradient. */
export function stepFlops(w: Workload): number {
  const s = flopShape(w);
  return 3 * forwardFlops(s) - 2 * s.batch * s.steps * s.features * s.gates * s.units;
}

/** The persistent PyTorch process, or null (with the reason) when torch is missing. */
function torchPeer() {
  const probe = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { peer: null, why: `${PY} cannot import torch (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})` };
  // One BLAS thread: torch.set_num_threads(N) then sets every thread PyTorch runs, as it does in
  // PyPI's MKL builds. With Debian's OpenBLAS (libopenblas0-pthread) left at its default of one
  // thread per core, OpenBLAS's pthreads and torch's OpenMP threads oversubscribe the cores (W2
  // on 2 torch threads: 91.7 ms per step against 27.0 with one BLAS thread, /tmp/tw2.py style
  // a torch LSTM(128) training loop, 2026-12-03), and OpenBLAS's idle threads keep spinning into the next side's turn.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  const child = spawn(PY, [fileURLToPath(new URL('../py/torch_peer.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'], env });
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

interface Side {
  name: string;
  /** ms per call of this side's unit (a training step, a predict). */
  run: () => Promise<number>;
  kind: 'train' | 'predict';
}

export async function runRounds(o: RoundsOptions): Promise<void> {
  const N = o.threads;
  const { peer, why } = torchPeer();
  console.log(`# pnpm bench: ${new Date().toISOString()}, ${o.rounds} interleaved rounds, N = ${N} threads, load average ${load()}\n`);
  if (peer) {
    const info = await peer.ask({ info: true });
    const config = (info.config as string[]).filter((l) => /MKL|BLAS|CPU capability|OpenMP/.test(l)).map((l) => l.trim().slice(0, 80));
    console.log(`PyTorch ${info.torch} (Debian's python3-torch: a distribution build, not PyPI's): ${config.join('; ')}`);
    console.log(`PyTorch's BLAS (the library its torch.mm loaded; 1 BLAS thread in training, N for the matmul limit): ${info.blas}`);
  } else console.log(`PyTorch skipped: ${why}`);
  const tfjs = o.tfjs ? await import('./libs/tfjs.js') : null;

  for (const id of o.only) {
    const w = WORKLOADS[id];
    const flops = stepFlops(w);
    const rep = o.quick ? 1 : REPEAT[id];
    const timed = (f: () => unknown, n = rep) => async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await f();
      return (performance.now() - t0) / n;
    };
    // RSS after a full GC (the bench runs with --expose-gc): without it a collection between the
    // readings made the difference negative for small models.
    const rss = () => {
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().rss;
    };
    // Memory per extra thread: the N-thread model's growth less a second 1-thread model's, both
    // after the first 1-thread model paid the one-time costs (compiled modules, JIT code), which
    // made the difference negative when the first model was the baseline.
    // Workers start in the background (jobs run on the calling thread until all have started):
    // a step, a pause, a step, so that their isolates are in the reading.
    const settle = async (r: { step(): Promise<unknown> }) => {
      await r.step();
      await new Promise((res) => setTimeout(res, 300));
      await r.step();
    };
    const ours1 = modelsRunner(w, 1);
    await settle(ours1);
    const rss0 = rss();
    const oursN = modelsRunner(w, N);
    await settle(oursN);
    const rss1 = rss();
    const again1 = modelsRunner(w, 1);
    await settle(again1);
    const rss2 = rss();
    again1.destroy();
    const core = await recurrentRunner(w, createCpuBackend({ threads: N }));
    // The N-thread training side's pool counters, summed over its timed calls; both models
    // sides' CPU time of the main thread and of the others.
    const acc = { steps: 0, jobs: 0, wait: 0, busy: [] as number[] };
    const cpu = [0, 1].map(() => ({ main: 0, others: 0, steps: 0 }));
    const cpuTimed = (k: number, f: () => Promise<number>) => async () => {
      const a = threadCpu();
      const t = await f();
      const b = threadCpu();
      if (a && b) {
        const d = cpuBetween(a, b);
        Object.assign(cpu[k], { main: cpu[k].main + d.main, others: cpu[k].others + d.others, steps: cpu[k].steps + rep });
      }
      return t;
    };
    const trainN = cpuTimed(1, timed(oursN.step));
    const sides: Side[] = [
      { name: 'recurrent models trainOnBatch, 1 thread', run: cpuTimed(0, timed(ours1.step)), kind: 'train' },
      {
        name: `recurrent models trainOnBatch, ${N} threads`,
        run: async () => {
          const a = threadStats(oursN.backend);
          const t = await trainN();
          const b = threadStats(oursN.backend);
          if (a && b) {
            acc.steps += rep;
            acc.jobs += b.parallelJobs - a.parallelJobs;
            acc.wait += b.waitMs - a.waitMs;
            b.busyMs.forEach((x, i) => {
              acc.busy[i] = (acc.busy[i] ?? 0) + x - a.busyMs[i];
            });
          }
          return t;
        },
        kind: 'train',
      },
      { name: `recurrent core loop, ${N} threads`, run: timed(() => core.trainStep(0)), kind: 'train' },
    ];
    const tf = tfjs ? await tfjs.tfjsRunner(w, 'wasm') : null;
    if (tf) sides.push({ name: 'tfjs-layers trainOnBatch, tfjs-backend-wasm', run: timed(() => tf.trainStep(0), 1), kind: 'train' });
    if (peer)
      for (const threads of [1, N])
        sides.push({ name: `PyTorch ${threads} thread${threads > 1 ? 's' : ''}`, run: async () => (await peer.ask({ train: id, threads, repeat: rep, ...w })).ms as number, kind: 'train' });
    sides.push({ name: `recurrent models predict, batch ${w.batch}, ${N} threads`, run: timed(oursN.predictBatch), kind: 'predict' });
    if (tf) sides.push({ name: `tfjs-layers predict, batch ${w.batch}`, run: timed(() => tf.predictBatch()), kind: 'predict' });
    sides.push({ name: `recurrent models predict, batch 1, ${N} threads`, run: timed(oursN.predictOne, 3 * rep), kind: 'predict' });
    if (tf) sides.push({ name: 'tfjs-layers predict, batch 1', run: timed(() => tf.predictOne(), 3 * rep), kind: 'predict' });

    for (const s of sides) await s.run(); // warm-up
    const ms: number[][] = sides.map(() => []);
    const limits: { ours: number[]; torch: number[] } = { ours: [], torch: [] };
    Object.assign(acc, { steps: 0, jobs: 0, wait: 0, busy: [] }); // count the timed rounds only
    for (const c of cpu) Object.assign(c, { main: 0, others: 0, steps: 0 });
    for (let r = 0; r < o.rounds; r++) {
      for (let i = 0; i < sides.length; i++) ms[i].push(await sides[i].run());
      limits.ours.push(ourMatmul(N, 32, 1024, 256, o.quick ? 3 : 20));
      if (peer) {
        limits.torch.push((await peer.ask({ sgemm: [32, 1024, 256], threads: N, reps: o.quick ? 3 : 20 })).gflops as number);
        // OpenBLAS's threads spin about 0.1 s after an N-thread sgemm before they sleep (the
        // peer used 0.10-0.11 core-seconds in the 0.1 s after one, none after that): let them stop
        // before the next round, whose N-thread sides would otherwise share a core with them
        // (W2, ours on 2 threads: 17.9-18.7 ms per step with the peer, 13.9-16.1 without).
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    const find = (p: (s: Side) => boolean) => sides.findIndex(p);
    const ref = {
      one: 0,
      torch: find((s) => s.name === `PyTorch ${N} threads`),
      tfjs: find((s) => s.name.startsWith('tfjs-layers trainOnBatch')),
      tfjsPredict: find((s) => s.name === `tfjs-layers predict, batch ${w.batch}`),
      tfjsPredictOne: find((s) => s.name === 'tfjs-layers predict, batch 1'),
    };
    const perRound = (i: number, j: number) => {
      if (j < 0 || i === j) return '-';
      const ratios = ms[i].map((v, r) => ms[j][r] / v);
      return `${ratios.map((x) => x.toFixed(2)).join(' ')} (**${median(ratios).toFixed(2)}x**)`;
    };
    console.log(`\n## ${id}: ${w.title}, batch ${w.batch}; ${(flops / 1e6).toFixed(0)} MFLOP per training step; load after ${load()}\n`);
    console.log(`| training | ms/step, median | GFLOP/s | speed-up over our 1 thread, per round (median) | vs PyTorch ${N} threads | vs tfjs-layers (wasm) |\n|---|---|---|---|---|---|`);
    sides.forEach((s, i) => {
      if (s.kind !== 'train') return;
      const m = median(ms[i]);
      console.log(`| ${s.name} | ${m.toFixed(1)} | ${(flops / m / 1e6).toFixed(1)} | ${perRound(i, ref.one)} | ${perRound(i, ref.torch)} | ${perRound(i, ref.tfjs)} |`);
    });
    console.log(`\n| predict | ms, median | vs tfjs-layers, per round (median) |\n|---|---|---|`);
    sides.forEach((s, i) => {
      if (s.kind !== 'predict') return;
      const j = s.name.includes('batch 1') ? ref.tfjsPredictOne : ref.tfjsPredict;
      console.log(`| ${s.name} | ${median(ms[i]).toFixed(2)} | ${s.name.startsWith('tfjs') ? '-' : perRound(i, j)} |`);
    });
    console.log(`\nmatmul limit, same rounds, [32x256] @ [256x1024], ${N} threads: ours ${median(limits.ours).toFixed(1)} GFLOP/s (median of best-of-20)` + (peer ? `, torch.mm ${median(limits.torch).toFixed(1)} GFLOP/s` : ''));
    if (acc.steps) {
      const per = (x: number) => (x / acc.steps).toFixed(1);
      console.log(
        `threads (models trainOnBatch, ${N} threads, per step): ${per(acc.jobs)} parallel jobs; ms inside jobs per thread (caller first) ` +
          `${acc.busy.map(per).join(' / ')}; the caller's wait for the workers ${per(acc.wait)} ms`,
      );
    }
    if (cpu[0].steps && cpu[1].steps) {
      const per = (c: (typeof cpu)[0]) => [c.main / c.steps, c.others / c.steps];
      const [m1, o1] = per(cpu[0]);
      const [mN, oN] = per(cpu[1]);
      console.log(
        `CPU ms per training step (Linux /proc, 10 ms ticks), main thread + other threads: 1 thread ${m1.toFixed(1)} + ${o1.toFixed(1)}, ${N} threads ${mN.toFixed(1)} + ${oN.toFixed(1)}; ` +
          `main-thread ratio ${(m1 / mN).toFixed(2)}x (the speed-up with a free core per thread: the main thread runs the serial part and its share of every job)`,
      );
    }
    const extraMiB = (rss1 - rss0 - (rss2 - rss1)) / 2 ** 20 / Math.max(1, N - 1);
    console.log(`memory per extra thread: ${extraMiB < 0.5 ? 'under 0.5' : `~${extraMiB.toFixed(1)}`} MiB RSS (RSS growth of a ${N}-thread model's first steps, its workers started, less a 1-thread one's, per extra thread; ${'gc' in globalThis ? 'after a full GC' : 'no --expose-gc: GC noise included'})`);
    ours1.destroy();
    oursN.destroy();
  }
  peer?.close();
}
