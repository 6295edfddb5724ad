#!/usr/bin/env node
/**
 * The packages as users get them: builds them (`pnpm build`, unless --no-build), packs every
 * publishable package with `pnpm pack`, installs the tarballs with npm into a fresh project in a
 * temporary directory outside the workspace (the tarballs' dependencies on each other resolve to
 * the tarballs; third-party dependencies come from npm), then
 *
 *   - checks that every tarball has README.md, LICENSE, package.json and its dist/ entry points;
 *   - typechecks a small training script that imports every package except the browser-only
 *     backend-webgl, with tsc in a Node project: lib ["ES2022"], types ["node"], no skipLibCheck
 *     (published types must not need the DOM). backend-webgl's types are not checked here:
 *     those of its peer @tensorflow/tfjs-core 4.22 fail without skipLibCheck (`Long`), ours or not;
 *   - runs the compiled script with node: it trains, saves, loads and predicts on the CPU backend.
 *
 * Prints one line per step; exits non-zero on the first failure. Writes
 * test-results/packed-install.json (for scripts/test-summary.mjs). Keeps the temporary project
 * with --keep.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const started = Date.now();
const resultFile = join(root, 'test-results', 'packed-install.json');
const steps = [];

function record(ok, error) {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(resultFile, JSON.stringify({ ok, seconds: (Date.now() - started) / 1000, steps, error }, null, 2) + '\n');
}

function step(name, f) {
  const t0 = Date.now();
  try {
    const r = f();
    steps.push({ name, ok: true, seconds: (Date.now() - t0) / 1000 });
    console.log(`packed-install: ${name} ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  } catch (err) {
    const out = [err.stdout, err.stderr].filter(Boolean).map(String).join('\n').trim();
    const message = `${name} failed: ${err.message.split('\n')[0]}${out ? `\n${out.slice(-4000)}` : ''}`;
    steps.push({ name, ok: false, seconds: (Date.now() - t0) / 1000 });
    record(false, message);
    console.error(`packed-install: ${message}`);
    process.exit(1);
  }
}

const run = (cmd, argv, cwd, env = {}) =>
  execFileSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });

// Publishable packages: packages/* without "private".
const packages = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

if (!args.has('--no-build')) step('pnpm build', () => run('pnpm', ['build'], root));

const work = mkdtempSync(join(tmpdir(), 'recurrent-packed-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const tgz = {};
step(`pnpm pack (${packages.length} packages)`, () => {
  for (const p of packages) {
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], p.dir);
    const made = readdirSync(tarballs).filter((f) => !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack in ${p.dir} made ${made.length} files`);
    tgz[p.json.name] = join(tarballs, made[0]);
  }
});

step('tarball contents (README.md, LICENSE, entry points)', () => {
  const problems = [];
  for (const p of packages) {
    const files = new Set(run('tar', ['tzf', tgz[p.json.name]], work).split('\n').filter(Boolean));
    const want = ['package/README.md', 'package/LICENSE', 'package/package.json'];
    for (const exp of Object.values(p.json.exports ?? {})) for (const k of ['types', 'import']) if (exp[k]) want.push(`package/${exp[k].replace(/^\.\//, '')}`);
    for (const f of want) if (!files.has(f)) problems.push(`${p.json.name}: no ${f.slice('package/'.length)}`);
    const license = run('tar', ['xzf', tgz[p.json.name], '-O', 'package/LICENSE'], work);
    if (!/MIT License/.test(license) || !/2026 recurrent contributors/.test(license)) problems.push(`${p.json.name}: LICENSE is not the MIT license of recurrent contributors, 2026`);
  }
  if (problems.length) throw new Error(problems.join('; '));
});

// The consumer project: every tarball, the peers the packages name, and TypeScript from npm.
const project = join(work, 'project');
mkdirSync(project);
const file = (name) => `file:${tgz[name]}`;
const deps = Object.fromEntries(packages.map((p) => [p.json.name, file(p.json.name)]));
const peers = {};
for (const p of packages)
  for (const [name, range] of Object.entries(p.json.peerDependencies ?? {})) if (!tgz[name]) peers[name] = p.json.devDependencies?.[name] ?? range;
const rootJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify(
    {
      name: 'recurrent-packed-install-check',
      private: true,
      type: 'module',
      dependencies: { ...deps, ...peers },
      devDependencies: { typescript: rootJson.devDependencies.typescript, '@types/node': rootJson.devDependencies['@types/node'] },
      // The tarballs depend on each other by version (0.0.0, not published): point those at the tarballs.
      overrides: deps,
    },
    null,
    2,
  ),
);

step('npm install (tarballs + third-party dependencies from npm)', () =>
  // --ignore-scripts: as pnpm-workspace.yaml's allowBuilds, nothing is built or downloaded at install.
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], project),
);

const script = `// A user's first training script, against the published packages only.
import { createEngine, Rng, type StateError } from '@recurrent/core';
import { createCpuBackend } from '@recurrent/backend-cpu';
import { io, layers, loadModel, ModelBusyError, optimizers, sequential, type Prediction } from '@recurrent/models';
import { conformanceSuite, createReferenceBackend } from '@recurrent/core/testing';
import type { CharVocabulary } from '@recurrent/models/data';
import type { createGpujsBackend } from '@recurrent/backend-gpujs';
import type { runCli } from '@recurrent/cli';
${packages.some((p) => p.json.name === '@recurrent/interop') ? "import * as interop from '@recurrent/interop';\nvoid interop;" : ''}

type Unused = [StateError, CharVocabulary, typeof createGpujsBackend, typeof runCli, typeof conformanceSuite, typeof createReferenceBackend];
const _unused: Unused | undefined = undefined;
void _unused;

const rng = new Rng(1);
const x = { data: Float32Array.from({ length: 16 * 5 * 2 }, () => rng.next() * 2 - 1), shape: [16, 5, 2] };
const y = { data: Float32Array.from({ length: 16 }, (_, i) => i % 2), shape: [16, 1] };
const model = sequential({ backend: createCpuBackend(), seed: 42 }, [
  layers.lstm({ units: 8, inputShape: [null, 2] }),
  layers.dense({ units: 1, activation: 'sigmoid' }),
]);
model.compile({ loss: 'binaryCrossentropy', optimizer: optimizers.adam({ learningRate: 1e-2 }), metrics: ['accuracy'] });
const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
const mem = io.memory();
await model.save(mem);
const back = await loadModel(mem, { backend: createEngine(createCpuBackend()) });
const a: Prediction = await model.predict(x);
const b = await back.predict(x);
if (a.data.some((v, i) => v !== b.data[i])) throw new Error('the loaded model predicts differently');
if (!(ModelBusyError.prototype instanceof Error)) throw new Error('ModelBusyError is not an Error');
console.log(\`trained 3 epochs: loss \${history.history.loss.map((l) => l.toFixed(4)).join(' -> ')}; saved, loaded, same predictions\`);
`;
mkdirSync(join(project, 'src'));
writeFileSync(join(project, 'src', 'train.ts'), script);
const tsconfig = {
  compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], strict: true, skipLibCheck: false, outDir: 'dist' },
  include: ['src/train.ts'],
};
writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
step('tsc: a Node project (lib ES2022, @types/node, no skipLibCheck) importing every package', () => run(process.execPath, [tsc, '-p', 'tsconfig.json'], project));
const output = step('node: the compiled training script runs', () => run(process.execPath, ['dist/train.js'], project));
console.log(`packed-install: ${output.trim()}`);

if (args.has('--keep')) console.log(`packed-install: kept ${work}`);
else rmSync(work, { recursive: true, force: true });
record(true);
console.log(`packed-install: passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
