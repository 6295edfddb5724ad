import type { FixtureReport } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { allPassed, fmtError, fmtTol, formatCheck, formatReport, formatReportJson, summarize } from '../src/report.js';

const check = (quantity: string, maxAbs: number, pass = true, worstIndex = 0) => ({
  quantity,
  maxAbs,
  maxRel: maxAbs * 10,
  atol: 1e-5,
  rtol: 1e-4,
  pass,
  worstIndex,
});

const report: FixtureReport = {
  backend: 'cpu',
  source: 'ref.json',
  pass: false,
  cases: [
    { section: 'cells', name: 'lstm_2x4x3x5', pass: true, checks: [check('y', 1.19e-7), check('grads.W_hf', 2.5e-6)] },
    { section: 'losses', name: 'mse', pass: false, checks: [check('value', 3e-3, false, 7), check('grad', NaN, false, 2)] },
    { section: 'optimizers', name: 'adam', pass: false, checks: [], error: 'adam: lr must be > 0\nsecond line' },
    { section: 'training', name: 'train_gru', pass: true, checks: [{ ...check('lossBeforeEachStep', 0), maxRel: Infinity }] },
  ],
};

describe('formatReport', () => {
  const text = formatReport(report, { mode: 'fused kernels' });
  const lines = text.split('\n');

  it('starts with the backend and fixture', () => {
    expect(lines[0]).toBe('recurrent conformance: backend cpu (fused kernels), fixture ref.json');
  });

  it('prints section, name and PASS/FAIL per case, aligned', () => {
    expect(lines).toContain('cells       lstm_2x4x3x5  PASS');
    expect(lines).toContain('losses      mse           FAIL');
    expect(lines).toContain('optimizers  adam          FAIL');
    expect(lines).toContain('training    train_gru     PASS');
  });

  it('prints every check with max abs, max rel and the tolerance', () => {
    expect(text).toContain('    y                   max abs 1.19e-7   max rel 1.19e-6   tol 1e-5 + 1e-4*|want|\n');
    expect(text).toContain('    value               max abs 3.00e-3   max rel 3.00e-2   tol 1e-5 + 1e-4*|want|  FAIL (worst at [7])');
    expect(text).toContain('    grad                max abs NaN       max rel NaN       tol 1e-5 + 1e-4*|want|  FAIL (worst at [2])');
    expect(text).toContain('max rel inf');
    expect(text).toContain('    error: adam: lr must be > 0 | second line');
  });

  it('ends with the summary alone on the last line', () => {
    expect(lines[lines.length - 1]).toBe('2 passed, 2 failed');
    expect(lines[lines.length - 2]).toBe('');
  });

  it('omits what the report does not have', () => {
    const minimal = formatReport({ backend: 'reference', pass: true, cases: [{ section: 'cells', name: 'a', pass: true, checks: [] }] });
    expect(minimal.split('\n')).toEqual(['recurrent conformance: backend reference', '', 'cells  a  PASS', '', '1 passed, 0 failed']);
  });
});

describe('numbers, JSON and the verdict', () => {
  it('formats errors and tolerances compactly', () => {
    expect([fmtError(0), fmtError(1.234e-7), fmtError(12345), fmtError(NaN), fmtError(-Infinity)]).toEqual(['0', '1.23e-7', '1.23e4', 'NaN', '-inf']);
    expect([fmtTol(1e-5), fmtTol(2.5e-4), fmtTol(0), fmtTol(1)]).toEqual(['1e-5', '2.5e-4', '0', '1e0']);
    expect(formatCheck(check('y', 0))).toBe('y  max abs 0         max rel 0         tol 1e-5 + 1e-4*|want|');
  });

  it('JSON keeps NaN and Infinity as strings and round-trips the rest', () => {
    const back = JSON.parse(formatReportJson(report));
    expect(back.backend).toBe('cpu');
    expect(back.cases[1].checks[1].maxAbs).toBe('NaN');
    expect(back.cases[3].checks[0].maxRel).toBe('Infinity');
    expect(back.cases[0].checks[0].maxAbs).toBe(1.19e-7);
  });

  it('passes only when every case passes', () => {
    expect(summarize(report)).toEqual({ passed: 2, failed: 2 });
    expect(allPassed(report)).toBe(false);
    const good = { ...report, pass: true, cases: [report.cases[0]] };
    expect(allPassed(good)).toBe(true);
    expect(allPassed({ ...good, cases: [] })).toBe(false);
    expect(allPassed({ ...good, cases: [{ ...report.cases[0], pass: false }] })).toBe(false);
  });
});
