/**
 * pnpm bench [--only W1,W2,W4] [--threads N] [--rounds R] [--no-tfjs] [--quick]
 * pnpm bench --children [--quick] [--only W2,W4] [--libs recurrent,tfjs-wasm] [--no-limit] [--tsx] [--out DIR]
 *
 * Default: src/rounds.ts, every side interleaved in rounds in this process (ours through
 * @recurrent/models on 1 and N threads, our core loop, tfjs-layers on tfjs-backend-wasm,
 * PyTorch CPU on 1 and N threads), with per-round ratios and their medians.
 *
 * `--children`: every (library, workload) job one after the other, each in a fresh child
 * process (src/child.ts) so peak RSS is measured per library and workload (and brain.js,
 * tfjs-backend-cpu and our gpu.js backend are included); prints the table and writes
 * results/bench-<date>.{json,md} and results/latest.{json,md}.
 *
 * The children run plain JavaScript, as users run the packages' build: src/child.ts and our
 * packages' sources are bundled with esbuild (the copy tsx itself runs on) into
 * .cache/child.mjs; tfjs, brain.js and gpu.js stay external, loaded from node_modules as
 * published. Under tsx every arrow function created at run time gets a name by
 * Object.defineProperty (esbuild's keepNames), which made our per-op overhead up to 2x larger
 * in small workloads. `--tsx` runs the children from source through tsx instead.
 */
import { execSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIBS, type Job, type JobResult, type LibId } from './job.js';
import { markdown, type Report } from './report.js';
import { runRounds } from './rounds.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

/** The CPU backend's default thread count here: the cores, at most 4 (its DEFAULT_THREADS_CAP). */
const defaultThreads = () => Math.min(4, availableParallelism());

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

function parseArgs(argv: string[]) {
  const opts = {
    quick: false,
    only: Object.keys(WORKLOADS) as WorkloadId[],
    libs: [...LIBS] as LibId[],
    limit: true,
    tsx: false,
    out: join(root, 'results'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--no-limit') opts.limit = false;
    else if (a === '--tsx') opts.tsx = true;
    else if (a === '--only') {
      opts.only = value().split(',') as WorkloadId[];
      for (const w of opts.only) if (!(w in WORKLOADS)) throw new Error(`--only: unknown workload ${w}; use ${Object.keys(WORKLOADS).join(', ')}`);
    } else if (a === '--libs') {
      opts.libs = value().split(',') as LibId[];
      for (const l of opts.libs) if (!LIBS.includes(l)) throw new Error(`--libs: unknown library ${l}; use ${LIBS.join(', ')}`);
    } else if (a === '--out') opts.out = resolve(value());
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')[1].replace(/^ \* /, 'usage: '));
      process.exit(0);
    } else throw new Error(`unknown flag ${a}; see --help`);
  }
  return opts;
}

/** Bundles src/child.ts into .cache/child.mjs (see the header); returns the node arguments that run it. */
async function childCommand(tsx: boolean): Promise<string[]> {
  if (tsx) {
    report.env.children = 'TypeScript source through tsx (--tsx)';
    return [...process.execArgv, join(here, 'child.ts')];
  }
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx'))('esbuild') as {
    version: string;
    build(o: Record<string, unknown>): Promise<unknown>;
  };
  report.env.children = `plain JavaScript, bundled from source by esbuild ${esbuild.version} (tfjs, brain.js, gpu.js as published)`;
  const outfile = join(root, '.cache', 'child.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    conditions: ['@recurrent/source'],
    external: ['@tensorflow/*', 'brain.js', 'gpu.js'],
    logLevel: 'warning',
  });
  return [outfile];
}

/** Runs one job in a child process; resolves with its result or rejects with its error output. */
function runChild(command: string[], job: Job): Promise<JobResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...command, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolvePromise(JSON.parse(line.slice(7)) as JobResult);
      else reject(new Error(`exit ${code}: ${(err.trim().split('\n').filter((l) => /Error|error/.test(l))[0] ?? err.trim().slice(-400)) || out.slice(-400)}`));
    });
  });
}

const load = () => {
  try {
    return execSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

const argv = process.argv.slice(2);
if (!argv.includes('--children')) {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = (flag('--only')?.split(',') ?? ['W1', 'W2', 'W4']) as WorkloadId[];
  for (const w of only) if (!(w in WORKLOADS)) throw new Error(`--only: unknown workload ${w}; use ${Object.keys(WORKLOADS).join(', ')}`);
  const quick = argv.includes('--quick');
  console.log(`command: pnpm bench ${argv.join(' ')}`.trim());
  console.log(`load: ${load()}`);
  await runRounds({ only, threads: Number(flag('--threads') ?? defaultThreads()), rounds: Number(flag('--rounds') ?? (quick ? 2 : 5)), tfjs: !argv.includes('--no-tfjs'), quick });
  console.log(`load: ${load()}`);
  process.exit(0);
}
const opts = parseArgs(argv.filter((a) => a !== '--children'));
const report: Report = {
  env: {
    date: new Date().toISOString(),
    command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
    children: '',
    cpu: cpus()[0]?.model ?? 'unknown',
    nproc: availableParallelism(),
    node: process.version,
    versions: Object.fromEntries(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'brain.js', 'gpu.js'].map((p) => [p, version(p)])),
    loadBefore: load(),
    loadAfter: '',
  },
  results: [],
  failures: [],
};

const t0 = performance.now();
const command = await childCommand(opts.tsx);
if (opts.limit) {
  process.stderr.write('matmul limit ... ');
  try {
    const r = await runChild(command, { kind: 'limit', quick: opts.quick });
    if (r.kind === 'limit') report.limit = r;
    process.stderr.write('done\n');
  } catch (e) {
    report.failures.push({ lib: 'recurrent', workload: 'limit', error: (e as Error).message });
    process.stderr.write(`failed: ${(e as Error).message}\n`);
  }
}
for (const workload of opts.only)
  for (const lib of opts.libs) {
    process.stderr.write(`${workload} ${lib} ... `);
    const s = performance.now();
    try {
      const r = await runChild(command, { kind: 'workload', lib, workload, quick: opts.quick });
      if (r.kind === 'workload') report.results.push(r);
      process.stderr.write(`${((performance.now() - s) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      report.failures.push({ lib, workload, error: (e as Error).message });
      process.stderr.write(`failed: ${(e as Error).message}\n`);
    }
  }
report.env.loadAfter = load();

const md = markdown(report);
console.log(md);
console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
mkdirSync(opts.out, { recursive: true });
const stamp = report.env.date.replace(/[:.]/g, '-');
for (const name of [`bench-${stamp}`, 'latest']) {
  writeFileSync(join(opts.out, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(opts.out, `${name}.md`), md + '\n');
}
console.log(`wrote ${join(opts.out, `bench-${stamp}`)}.{json,md} and latest.{json,md}`);
