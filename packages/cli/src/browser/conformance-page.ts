/**
 * Page side of `recurrent conformance` for browser backends (runs in Chromium, see ../browser.ts):
 * parses the fixture text, runs every case on the backend, and returns the report to Node.
 */
import { createEngine, type Backend } from '@recurrent/core';
import { parseFixture, runFixture } from '@recurrent/core/testing';
import type { ConformancePageArgs, ConformancePageResult } from '../browser.js';

/** The browser and, when the backend owns a WebGL context or a WebGPU device, its renderer or adapter. */
function describeEnvironment(backend: Backend): string {
  const gl = (backend as { gl?: WebGL2RenderingContext }).gl;
  const device = (backend as { device?: { adapterInfo?: { vendor: string; architecture: string; description: string } } }).device;
  const browser = navigator.userAgent.match(/(HeadlessChrome|Chrome|Chromium)\/[\d.]+/)?.[0] ?? navigator.userAgent;
  if (device) {
    const a = device.adapterInfo;
    return `${browser}, WebGPU, adapter ${a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') : 'unknown'}`;
  }
  if (!gl) return browser;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  return `${browser}, ${gl.getParameter(gl.VERSION)}, renderer ${renderer}`;
}

export async function runConformancePage(create: () => Promise<Backend>, args: ConformancePageArgs): Promise<ConformancePageResult> {
  const backend = await create();
  try {
    const engine = createEngine(backend);
    engine.useFused = args.fused;
    const fixture = parseFixture(JSON.parse(args.fixtureText), args.source);
    const report = await runFixture(engine, fixture, args.filter === undefined ? {} : { filter: args.filter });
    return { report, fusedKernels: Object.keys(backend.fused).length, environment: describeEnvironment(backend) };
  } finally {
    backend.destroy?.();
  }
}
