/**
 * The backends the page offers. CPU runs in a Web Worker (so training never blocks the page);
 * WebGL, WebGPU and gpu.js run on the page (their contexts and devices live there) and yield
 * between steps. WebGPU is offered where the browser has `navigator.gpu`.
 *
 * The GPU packages are loaded on demand (dynamic import, so a page that never uses them does
 * not download tfjs or gpu.js), and a backend that cannot start says why: the package does not
 * export its factory yet, the browser has no WebGL2, a kernel fails its smoke test, ...
 */
import { type Backend, createEngine } from '@recurrent/core';
import type { BackendId } from '../model/config.js';

export interface BackendInfo {
  id: BackendId;
  label: string;
  runsIn: 'worker' | 'page';
  /** The package and factory that provide it. */
  source: string;
}

export const BACKENDS: readonly BackendInfo[] = [
  { id: 'cpu', label: 'CPU', runsIn: 'worker', source: '@recurrent/backend-cpu createCpuBackend()' },
  { id: 'webgl', label: 'WebGL', runsIn: 'page', source: '@recurrent/backend-webgl createWebglBackend()' },
  { id: 'webgpu', label: 'WebGPU', runsIn: 'page', source: '@recurrent/backend-webgpu createWebgpuBackend()' },
  { id: 'gpujs', label: 'gpu.js', runsIn: 'page', source: "@recurrent/backend-gpujs createGpujsBackend({ mode: 'webgl2' })" },
];

export interface Availability {
  id: BackendId;
  /** The package exports its factory (so the backend is expected to work). */
  exported: boolean;
  ok: boolean;
  /** Why it cannot start, when !ok. */
  reason?: string;
  /** Extra facts once started (e.g. the gpu.js mode). */
  detail?: string;
}

export class BackendUnavailable extends Error {
  readonly exported: boolean;
  constructor(message: string, exported: boolean) {
    super(message);
    this.name = 'BackendUnavailable';
    this.exported = exported;
  }
}

type Factory = () => Promise<Backend>;

export type PageBackendId = Exclude<BackendId, 'cpu'>;

/** Each page backend's package and factory, loaded on demand. */
const PAGE_PACKAGES: { [K in PageBackendId]: { pkg: string; factory: string; load: () => Promise<unknown> } } = {
  webgl: { pkg: '@recurrent/backend-webgl', factory: 'createWebglBackend', load: () => import('@recurrent/backend-webgl') },
  webgpu: { pkg: '@recurrent/backend-webgpu', factory: 'createWebgpuBackend', load: () => import('@recurrent/backend-webgpu') },
  gpujs: { pkg: '@recurrent/backend-gpujs', factory: 'createGpujsBackend', load: () => import('@recurrent/backend-gpujs') },
};

async function pageFactory(id: PageBackendId): Promise<Factory> {
  const { pkg, factory: name, load } = PAGE_PACKAGES[id];
  let mod: Record<string, unknown>;
  try {
    mod = (await load()) as Record<string, unknown>;
  } catch (e) {
    // The package is in the workspace: failing to load it is a failure, not "not written yet".
    throw new BackendUnavailable(`${pkg} failed to load: ${(e as Error).message}`, true);
  }
  const f = mod[name];
  if (typeof f !== 'function') throw new BackendUnavailable(`${pkg} does not export ${name}() yet.`, false);
  const make = f as (opts?: unknown) => Backend | Promise<Backend>;
  return async () => (id === 'gpujs' ? make({ mode: 'webgl2' }) : make());
}

/** A 2x2 matmul plus tanh checked on the host: catches a context that starts but computes nothing. */
async function smokeTest(backend: Backend): Promise<void> {
  const e = createEngine(backend);
  const a = e.tensor([1, 2, 3, 4], [2, 2]);
  const b = e.tensor([0.5, -1, 0.25, 0.5], [2, 2]);
  const c = e.tanh(e.matmul(a, b));
  const got = Array.from(await c.data());
  const want = [1, 0, 2.5, -1].map(Math.tanh);
  for (const t of [a, b, c]) t.dispose();
  const bad = got.findIndex((v, i) => !(Math.abs(v - want[i]) < 1e-3));
  if (bad >= 0) throw new Error(`smoke test: tanh(A @ B)[${bad}] = ${got[bad]}, wanted ${want[bad].toFixed(4)}`);
}

const started = new Map<BackendId, Promise<Backend>>();

/**
 * The page's instance of a GPU backend, created once and shared (a browser allows only a few
 * WebGL contexts). Throws BackendUnavailable with the reason.
 */
export function pageBackend(id: PageBackendId): Promise<Backend> {
  let p = started.get(id);
  if (!p) {
    p = (async () => {
      const factory = await pageFactory(id);
      let backend: Backend;
      try {
        backend = await factory();
      } catch (e) {
        throw new BackendUnavailable(`${id} could not start on this device: ${(e as Error).message}`, true);
      }
      try {
        await smokeTest(backend);
      } catch (e) {
        throw new BackendUnavailable(`${id} started but ${(e as Error).message}`, true);
      }
      return backend;
    })();
    started.set(id, p);
    p.catch(() => started.delete(id));
  }
  return p;
}

/** Whether a backend can run here, and why not. */
export async function probe(id: BackendId): Promise<Availability> {
  if (id === 'cpu') {
    if (typeof Worker === 'undefined') return { id, exported: true, ok: false, reason: 'this browser has no Web Workers' };
    return { id, exported: true, ok: true, detail: 'float32 kernels in a Web Worker' };
  }
  if (id === 'webgpu' && !('gpu' in navigator && navigator.gpu))
    return { id, exported: true, ok: false, reason: 'this browser has no WebGPU (navigator.gpu)' };
  try {
    const b = await pageBackend(id);
    const mode = (b as { mode?: unknown }).mode;
    return { id, exported: true, ok: true, detail: typeof mode === 'string' ? `gpu.js mode ${mode}, on the page` : 'on the page' };
  } catch (e) {
    const exported = e instanceof BackendUnavailable ? e.exported : true;
    return { id, exported, ok: false, reason: (e as Error).message };
  }
}
