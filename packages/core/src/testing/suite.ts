/**
 * The conformance suite, written once and run by every backend package:
 *
 *   import { describe, it } from 'vitest';
 *   conformanceSuite({ describe, it }, { name: 'cpu', create: createCpuBackend, fixture: ... });
 *
 * Test-runner functions are passed in, so core has no dependency on a test framework, and the
 * checks are the same report-producing functions the `recurrent conformance` command prints.
 * Every check runs twice: with the backend's fused kernels and with core's primitive fallbacks.
 */
import type { Backend } from '../backend.js';
import { createEngine, type Engine } from '../engine.js';
import type { CaseReport } from './compare.js';
import type { Fixture } from './fixture-format.js';
import { defaultTolerances, runFixture, type Tolerances } from './fixture-runner.js';
import { checkSeededInit } from './determinism.js';
import { checkGradients } from './gradcheck.js';
import { checkLossGradients } from './gradcheck-losses.js';
import { checkInspection } from './inspection.js';
import { checkLeaks } from './leaks.js';
import { checkPrimitives } from './primitives.js';

export interface SuiteApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => void | Promise<void>, timeout?: number) => void;
}

export interface SuiteOptions {
  /** Backend name in test titles. */
  name: string;
  create: () => Backend | Promise<Backend>;
  /**
   * The reference fixture(s): every case of every file runs (in Node `loadReferenceFixtures`
   * gives the main file and the hard-sigmoid cells; in a browser, parse the texts you fetched).
   */
  fixture: () => Fixture | Fixture[] | Promise<Fixture | Fixture[]>;
  /** Looser tolerances for backends that need them (document why next to the call). */
  tolerances?: Partial<Tolerances>;
  /** Tolerances of the primitive and gradient checks. */
  primitiveTolerance?: { atol: number; rtol: number };
  gradientTolerance?: { atol: number; rtol: number };
  lossGradientTolerance?: { atol: number; rtol: number };
  /** Training steps of the leak check (default 50). */
  leakSteps?: number;
  /**
   * Per-test timeout in ms. Default: the runner's own (vitest's `testTimeout`), so a package sets
   * one hang guard for all its tests; a fixed default here once overrode a browser package's
   * 10 minutes and failed CI when shader compilation under load took 125 s.
   */
  timeout?: number;
}

/** Formats failing reports for an assertion message. */
export function describeFailures(reports: CaseReport[]): string {
  return reports
    .filter((r) => !r.pass)
    .map((r) => {
      if (r.error) return `${r.section} ${r.name}: threw ${r.error}`;
      const bad = r.checks.filter((c) => !c.pass);
      return `${r.section} ${r.name}: ` + bad.map((c) => `${c.quantity} maxAbs=${c.maxAbs.toExponential(2)} maxRel=${c.maxRel.toExponential(2)} (atol ${c.atol}, rtol ${c.rtol})`).join('; ');
    })
    .join('\n');
}

function assertAll(reports: CaseReport[], what: string): void {
  if (reports.length === 0) throw new Error(`${what}: no cases ran`);
  const failures = describeFailures(reports);
  if (failures) throw new Error(`${what}: ${reports.filter((r) => !r.pass).length} of ${reports.length} cases failed\n${failures}`);
}

/**
 * The fused runs must test the backend's kernels: every fused op the backend has ran as its
 * kernel every time (none declined its attributes, e.g. a recurrent activation, and silently
 * passed on core's fallback).
 */
function assertKernelsRan(e: Engine, what: string): void {
  const counts = e.fusedCounts(true);
  const fellBack = Object.entries(counts).filter(([op, c]) => op in e.backend.fused && c.fallback > 0);
  if (fellBack.length > 0)
    throw new Error(
      `${what} (fused kernels): ${fellBack.map(([op, c]) => `${op} ran core's fallback ${c.fallback} of ${c.kernel + c.fallback} times (${c.declined} declined)`).join('; ')}`,
    );
}

export function conformanceSuite(api: SuiteApi, opts: SuiteOptions): void {
  const timeout = opts.timeout;
  let engine: Engine | undefined;
  const getEngine = async (fused: boolean) => {
    engine ??= createEngine(await opts.create());
    engine.useFused = fused;
    return engine;
  };
  api.describe(`conformance: ${opts.name}`, () => {
    api.it('every primitive kernel matches the float64 reference', async () => {
      assertAll(await checkPrimitives(await getEngine(true), opts.primitiveTolerance), 'primitives');
    }, timeout);
    api.it('the same seed gives the same initial parameters as on the reference backend', async () => {
      assertAll(await checkSeededInit(await getEngine(true)), 'seeded init');
    }, timeout);
    api.it('finite-difference gradient checks of every loss', async () => {
      assertAll(await checkLossGradients(await getEngine(true), opts.lossGradientTolerance), 'loss gradients');
    }, timeout);
    for (const fused of [true, false]) {
      const mode = fused ? 'fused kernels' : 'primitive fallbacks';
      api.it(`every case of the PyTorch fixtures (${mode})`, async () => {
        const fixtures = [await opts.fixture()].flat();
        const e = await getEngine(fused);
        for (const fixture of fixtures) {
          e.fusedCounts(true);
          const report = await runFixture(e, fixture, { tolerances: opts.tolerances });
          assertAll(report.cases, `fixture ${fixture.source ?? ''} (${mode})`);
          if (fused) assertKernelsRan(e, `fixture ${fixture.source ?? ''}`);
        }
      }, timeout);
      api.it(`finite-difference gradient checks of every cell (${mode})`, async () => {
        const e = await getEngine(fused);
        e.fusedCounts(true);
        assertAll(await checkGradients(e, opts.gradientTolerance), `gradients (${mode})`);
        if (fused) assertKernelsRan(e, 'gradient checks');
      }, timeout);
      api.it(`inspection: states, gates and step gradients match the reference (${mode})`, async () => {
        const e = await getEngine(fused);
        // The fixture tolerances: states and gates as forward values, step gradients as gradients.
        const tol = { ...defaultTolerances(e.backend.precision), ...opts.tolerances };
        assertAll(await checkInspection(e, tol.forward, tol.grads), `inspection (${mode})`);
      }, timeout);
      api.it(`no handle leaks over ${opts.leakSteps ?? 50} training steps (${mode})`, async () => {
        assertAll(checkLeaks(await getEngine(fused), opts.leakSteps), `leaks (${mode})`);
      }, timeout);
    }
  });
}
