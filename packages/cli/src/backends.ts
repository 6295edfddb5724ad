/**
 * The backends the CLI can run on. Backend packages are imported only when chosen, so one that
 * is slow to load (or absent) costs nothing to the others.
 */
import type { Backend } from '@recurrent/core';
import { createReferenceBackend } from '@recurrent/core/testing';
import { UsageError } from './args.js';

interface BackendEntry {
  description: string;
  /** Absent for a backend that is planned but not available yet. */
  create?: () => Promise<Backend>;
}

export const BACKENDS: Readonly<Record<string, BackendEntry>> = {
  cpu: {
    description: 'float32 kernels in plain JavaScript (@recurrent/backend-cpu)',
    create: async () => (await import('@recurrent/backend-cpu')).createCpuBackend(),
  },
  reference: {
    description: 'the float64 reference kernels of @recurrent/core/testing',
    create: async () => createReferenceBackend(),
  },
  webgl: { description: 'WebGL (not available yet)' },
  gpujs: { description: 'gpu.js (not available yet)' },
};

/** The entry of a usable backend; a UsageError for an unknown or not-yet-available one. */
export function backendEntry(name: string, command: string): Required<BackendEntry> {
  const entry = Object.hasOwn(BACKENDS, name) ? BACKENDS[name] : undefined;
  const available = Object.keys(BACKENDS).filter((n) => BACKENDS[n].create);
  if (!entry) throw new UsageError(`unknown backend '${name}'. Backends: ${available.join(', ')}.`, command);
  if (!entry.create)
    throw new UsageError(`the ${name} backend is not available yet. Available backends: ${available.join(', ')}.`, command);
  return entry as Required<BackendEntry>;
}

/** The backend table for a command's --help. */
export const backendList = (): string =>
  Object.entries(BACKENDS)
    .map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`)
    .join('\n');

