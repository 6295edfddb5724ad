/**
 * The backends the CLI can run on. Backend packages are imported only when chosen, so one that
 * is slow to load (or absent) costs nothing to the others.
 */
import type { Backend } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { UsageError } from './args.js';
import { pageModule, type BrowserBackend } from './browser.js';

interface BackendEntry {
  description: string;
  /** Absent for a backend that is planned but not available yet. `mode`: one of `modes`. */
  create?: (mode?: string) => Promise<Backend>;
  /** A backend that runs only in a browser: `conformance` runs it in headless Chromium (browser.ts). */
  browser?: BrowserBackend;
  /** The modes `--mode` may pick (the first is the default); those in `browserModes` run in headless Chromium. */
  modes?: readonly string[];
  browserModes?: Readonly<Record<string, BrowserBackend>>;
}

/** The `--backend NAME` flag every command that runs a model declares (default cpu). */
export const backendFlag = (purpose: string) =>
  ({ type: 'string', value: 'NAME', default: 'cpu', description: `the backend ${purpose}` }) as const;

export const BACKENDS: Readonly<Record<string, BackendEntry>> = {
  cpu: {
    description: 'float32 WebAssembly SIMD kernels, with a TypeScript fallback (@recurrent/backend-cpu)',
    create: async () => (await import('@recurrent/backend-cpu')).createCpuBackend(),
  },
  reference: {
    description: 'the float64 reference kernels of @recurrent/core/testing',
    create: async () => createReferenceBackend(),
  },
  webgl: {
    description: 'WebGL2 (@recurrent/backend-webgl), in a headless Chromium that conformance launches',
    browser: { module: pageModule('webgl'), prebundle: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl'] },
  },
  webgpu: {
    description: 'WebGPU (@recurrent/backend-webgpu), in a headless Chromium that conformance launches',
    browser: { module: pageModule('webgpu'), prebundle: [], webgpu: true },
  },
  gpujs: {
    description: 'gpu.js (@recurrent/backend-gpujs): --mode webasm (default) or cpu in Node, --mode browser for WebGL2 in headless Chromium',
    modes: ['webasm', 'cpu', 'browser'],
    create: async (mode = 'webasm') =>
      (await importPeer(() => import('@recurrent/backend-gpujs'), 'gpujs', 'gpu.js')).createGpujsBackend({ mode: mode as 'webasm' | 'cpu' }),
    browserModes: { browser: { module: pageModule('gpujs'), prebundle: ['@recurrent/backend-gpujs > gpu.js'] } },
  },
};

/**
 * Imports a backend package; when an optional peer dependency it needs is not installed, a
 * UsageError naming the package to install (instead of Node's "Cannot find package").
 */
export async function importPeer<T>(load: () => Promise<T>, backend: string, peer: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && e.message.includes(`'${peer}'`))
      throw new UsageError(
        `the ${backend} backend needs the package '${peer}', an optional peer dependency that is not installed: run 'npm install ${peer}' ` +
          `(or pnpm add ${peer}) where you run recurrent, or use --backend cpu.`,
      );
    throw err;
  }
}

/**
 * The entry of a usable backend; a UsageError for an unknown or not-yet-available one. A
 * browser-only backend's `create` throws a UsageError (Node cannot run it; conformance can).
 */
export function backendEntry(name: string, command: string): BackendEntry & { create: () => Promise<Backend> } {
  const entry = Object.hasOwn(BACKENDS, name) ? BACKENDS[name] : undefined;
  const available = Object.keys(BACKENDS).filter((n) => BACKENDS[n].create || BACKENDS[n].browser);
  if (!entry) throw new UsageError(`unknown backend '${name}'. Backends: ${available.join(', ')}.`, command);
  if (entry.browser && !entry.create)
    return {
      ...entry,
      create: () =>
        Promise.reject(
          new UsageError(`the ${name} backend runs only in a browser; 'recurrent conformance --backend ${name}' starts a headless Chromium for it.`, command),
        ),
    };
  if (!entry.create)
    throw new UsageError(`the ${name} backend is not available yet. Available backends: ${available.join(', ')}.`, command);
  return entry as BackendEntry & { create: () => Promise<Backend> };
}

/**
 * A backend's `--mode`: checked against its modes (a UsageError otherwise), defaulted to the
 * first, and the browser page that runs it when it is a browser mode (or the backend is).
 */
export function backendMode(
  name: string,
  entry: BackendEntry,
  mode: string | undefined,
  command: string,
): { mode: string | undefined; browser: BrowserBackend | undefined } {
  if (mode !== undefined && !entry.modes?.includes(mode))
    throw new UsageError(
      entry.modes ? `the ${name} backend has no mode '${mode}'. Modes: ${entry.modes.join(', ')}.` : `the ${name} backend takes no --mode.`,
      command,
    );
  const chosen = mode ?? entry.modes?.[0];
  return { mode: chosen, browser: (chosen === undefined ? undefined : entry.browserModes?.[chosen]) ?? entry.browser };
}

/** The backend table for a command's --help. */
export const backendList = (): string =>
  Object.entries(BACKENDS)
    .map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`)
    .join('\n');

