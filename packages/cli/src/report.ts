/**
 * Text and JSON forms of a conformance report. Pure functions of the report, so they are
 * tested with hand-made reports and the command only prints what they return.
 */
import type { Check, FixtureReport } from '@recurrent/core/testing';

/** 1.23e-7, 0, NaN, inf. */
export function fmtError(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return '0';
  return n.toExponential(2).replace('e+', 'e');
}

/** A tolerance in its shortest exact form: 1e-5, 2.5e-4, 0. */
export const fmtTol = (n: number): string => (n === 0 ? '0' : n.toExponential().replace('e+', 'e'));

export interface Summary {
  passed: number;
  failed: number;
}

export function summarize(report: FixtureReport): Summary {
  const passed = report.cases.filter((c) => c.pass).length;
  return { passed, failed: report.cases.length - passed };
}

/** Whether every case (and the report) passed; a report with no cases does not. */
export const allPassed = (report: FixtureReport): boolean =>
  report.pass && report.cases.length > 0 && report.cases.every((c) => c.pass);

export interface FormatOptions {
  /** Extra words for the header, e.g. `fused kernels`. */
  mode?: string;
}

/**
 * The report as text: a header, then per case `section  name  PASS|FAIL` and one line per check
 * (quantity, max abs error, max rel error, tolerance; failing checks say FAIL and where), and
 * `N passed, M failed` alone on the last line.
 */
export function formatReport(report: FixtureReport, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  const header = [`backend ${report.backend}${opts.mode ? ` (${opts.mode})` : ''}`];
  if (report.source) header.push(`fixture ${report.source}`);
  lines.push(`recurrent conformance: ${header.join(', ')}`, '');

  const secW = Math.max(0, ...report.cases.map((c) => c.section.length));
  const nameW = Math.max(0, ...report.cases.map((c) => c.name.length));
  const qW = Math.max(0, ...report.cases.flatMap((c) => c.checks.map((k) => k.quantity.length)));
  const indent = ' '.repeat(4);
  for (const c of report.cases) {
    lines.push(`${c.section.padEnd(secW)}  ${c.name.padEnd(nameW)}  ${c.pass ? 'PASS' : 'FAIL'}`);
    for (const k of c.checks) lines.push(indent + formatCheck(k, qW));
    if (c.error !== undefined) lines.push(`${indent}error: ${oneLine(c.error)}`);
    if (!c.pass && c.checks.length === 0 && c.error === undefined) lines.push(`${indent}(no checks ran)`);
  }
  const { passed, failed } = summarize(report);
  lines.push('', `${passed} passed, ${failed} failed`);
  return lines.join('\n');
}

export function formatCheck(k: Check, quantityWidth = 0): string {
  const parts = [
    k.quantity.padEnd(quantityWidth),
    `max abs ${fmtError(k.maxAbs).padEnd(8)}`,
    `max rel ${fmtError(k.maxRel).padEnd(8)}`,
    `tol ${fmtTol(k.atol)} + ${fmtTol(k.rtol)}*|want|`,
  ];
  if (!k.pass) parts.push(k.worstIndex >= 0 ? `FAIL (worst at [${k.worstIndex}])` : 'FAIL');
  return parts.join('  ').trimEnd();
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' | ');

/** The report as JSON. NaN and infinities (not JSON numbers) become the strings 'NaN', 'Infinity', '-Infinity'. */
export function formatReportJson(report: FixtureReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2);
}

