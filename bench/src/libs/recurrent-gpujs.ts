/** Our gpu.js backend (gpu.js runs in its WebAssembly/CPU mode in Node), when the package provides one. */
import type { Backend } from '@recurrent/core';
import type { Workload } from '../workloads.js';
import { recurrentRunner } from './recurrent.js';

export async function recurrentGpujs(w: Workload) {
  const mod = (await import('@recurrent/backend-gpujs')) as Record<string, unknown>;
  const create = Object.entries(mod).find(([k, v]) => /^create.*Backend$/.test(k) && typeof v === 'function')?.[1] as
    | (() => Backend | Promise<Backend>)
    | undefined;
  if (!create) throw new Error('@recurrent/backend-gpujs exports no create...Backend function yet');
  return recurrentRunner(w, await create());
}
