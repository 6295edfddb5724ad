/**
 * `recurrent conformance`: runs a `recurrent-reference/1` fixture on a backend and reports, per
 * case and quantity, the max absolute and relative error against the tolerance.
 * Exit 0 if every case passes, 1 if any fails, 2 for a bad flag, backend or fixture file.
 */
import { createEngine, type Backend, type Engine } from '@recurrent/core';
import { defaultTolerances, GPU_ENV, runFixture, type Fixture, type FixtureReport, type RunFixtureOptions } from '@recurrent/core/testing';
import { loadFixtureFile } from '@recurrent/core/testing/node';
import { UsageError } from '../args.js';
import { defineCommand, type Command } from '../cli.js';
import { backendEntry, backendList, backendMode, backendFlag } from '../backends.js';
import { runFixtureInBrowser } from '../browser.js';
import { allPassed, fmtTol, formatReport, formatReportJson } from '../report.js';

/** What the command needs from the outside world; tests replace parts of it. */
export interface ConformanceDeps {
  loadFixture(path: string): Promise<Fixture>;
  createBackend(name: string, mode?: string): Promise<Backend>;
  runFixture(engine: Engine, fixture: Fixture, options: RunFixtureOptions): Promise<FixtureReport>;
}

const createBackend = (name: string, mode?: string): Promise<Backend> => backendEntry(name, 'conformance').create(mode);

export const defaultDeps: ConformanceDeps = { loadFixture: loadFixtureFile, createBackend, runFixture };

/** From core's defaults, so the help cannot drift from what runFixture uses. */
function toleranceHelp(precision: 'float32' | 'float64'): string {
  const t = defaultTolerances(precision);
  const one = (k: keyof typeof t) => `${k} ${fmtTol(t[k].atol)} + ${fmtTol(t[k].rtol)}`;
  return `  ${precision}: ${one('forward')}; ${one('grads')}; ${one('training')} (loss curve); ${one('trainingParams')}`;
}

export function createConformanceCommand(deps: ConformanceDeps = defaultDeps): Command {
  return defineCommand({
    name: 'conformance',
    summary: 'check a backend against PyTorch reference values (a recurrent-reference/1 fixture)',
    usage: 'recurrent conformance --fixtures FILE [--backend NAME] [--json] [--no-fused] [--filter TEXT] [--browser PATH] [--gpu] [--mode MODE]',
    flags: {
      backend: backendFlag('to check, one of those under Backends'),
      fixtures: { type: 'string', value: 'FILE', required: true, description: 'a recurrent-reference/1 JSON file' },
      json: { type: 'boolean', description: 'print the report as JSON instead of text' },
      'no-fused': { type: 'boolean', description: "use core's primitive fallbacks instead of the backend's fused kernels" },
      filter: { type: 'string', value: 'TEXT', description: 'only run cases whose name contains TEXT' },
      browser: { type: 'string', value: 'PATH', description: 'Chromium for browser backends (webgl, webgpu, gpujs --mode browser); default $CHROMIUM_PATH, else chromium on PATH' },
      gpu: {
        type: 'boolean',
        description: `browser backends on this machine's GPU instead of SwiftShader (also ${GPU_ENV}=1)`,
      },
      mode: { type: 'string', value: 'MODE', description: "the backend's mode, for backends that have several (gpujs: webasm, cpu, browser)" },
    },
    details: [
      'Backends:',
      backendList(),
      '',
      'Tolerances (atol + rtol*|want|) follow the backend precision:',
      toleranceHelp('float32'),
      toleranceHelp('float64'),
      '',
      'Exit codes: 0 every case passed, 1 a case failed, 2 bad flags, backend or fixture file.',
      '',
      'Example:',
      '  recurrent conformance --backend cpu --fixtures pytorch-reference.json',
      '  recurrent conformance --backend webgl --fixtures pytorch-reference.json --browser /usr/bin/chromium',
      '  recurrent conformance --backend webgpu --fixtures pytorch-reference.json --gpu',
      '  recurrent conformance --backend gpujs --mode browser --fixtures pytorch-reference.json',
    ].join('\n'),
    async run({ flags }, io) {
      const backendName = flags.backend;
      const entry = backendEntry(backendName, 'conformance'); // a bad name fails before a large fixture file is read
      const { mode: runMode, browser } = backendMode(backendName, entry, flags.mode, 'conformance');
      const fixture = await deps.loadFixture(flags.fixtures);
      const fused = !flags['no-fused'];
      let report: FixtureReport;
      let fusedKernels: number;
      let declined: string[] = [];
      if (browser) {
        // A browser backend: the whole fixture runs in a headless Chromium page (../browser.ts).
        const gpu = flags.gpu || io.env[GPU_ENV] === '1';
        const r = await runFixtureInBrowser(browser, { fixtureFile: flags.fixtures, fused, filter: flags.filter, browser: flags.browser, gpu, env: io.env });
        io.err(`${backendName}: ${r.environment}`);
        ({ report, fusedKernels } = r);
      } else {
        const backend = await deps.createBackend(backendName, runMode);
        const engine = createEngine(backend);
        engine.useFused = fused;
        engine.fusedCounts(true);
        report = await deps.runFixture(engine, fixture, flags.filter === undefined ? {} : { filter: flags.filter });
        fusedKernels = Object.keys(backend.fused).length;
        // A kernel that declined its attributes (e.g. a recurrent activation it has no code for) ran as core's fallback.
        declined = Object.entries(engine.fusedCounts()).flatMap(([op, c]) => (c.declined > 0 ? [op] : []));
      }
      if (report.cases.length === 0)
        throw new UsageError(`no case of ${flags.fixtures} has '${flags.filter}' in its name.`, 'conformance');
      const mode = !fused
        ? 'primitive fallbacks'
        : fusedKernels === 0
          ? 'no fused kernels'
          : declined.length > 0
            ? `fused kernels; core's fallbacks where a kernel declined: ${declined.join(', ')}`
            : 'fused kernels';
      io.out(flags.json ? formatReportJson(report) : formatReport(report, { mode }));
      return allPassed(report) ? 0 : 1;
    },
  });
}

export const conformanceCommand = createConformanceCommand();
