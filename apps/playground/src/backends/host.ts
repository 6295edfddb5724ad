/**
 * A host runs one trainer on one backend: in a Web Worker (CPU) or on the page (GPU backends).
 */
import { createEngine } from '@recurrent/core';
import type { BackendId } from '../model/config.js';
import { rawData } from '../data/raw.js';
import { type PageBackendId, pageBackend } from './registry.js';
import { type ServiceMethod, type TrainerApi, TrainerService } from './service.js';

export interface TrainerHost extends TrainerApi {
  readonly backend: BackendId;
  /** Ends the host: frees its tensors (page) or terminates the worker. */
  close(): void;
}

/** Gives the page a turn (rendering, input) between GPU steps. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

function workerHost(): TrainerHost {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'recurrent-cpu' });
  const pending = new Map<number, Pending>();
  let next = 1;
  let dead: Error | undefined;
  worker.onmessage = (ev: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
    const p = pending.get(ev.data.id);
    if (!p) return;
    pending.delete(ev.data.id);
    if (ev.data.error !== undefined) p.reject(new Error(ev.data.error));
    else p.resolve(ev.data.result);
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    dead = new Error(`the CPU worker failed: ${ev.message || 'it could not start'}`);
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  const call =
    (method: ServiceMethod) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, method, args });
      });
  const api = Object.fromEntries(METHODS.map((m) => [m, call(m)])) as unknown as TrainerApi;
  return {
    ...api,
    backend: 'cpu',
    close() {
      worker.terminate();
      dead = new Error('the CPU worker was closed');
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
    },
  };
}

const METHODS: readonly ServiceMethod[] = [
  'init',
  'train',
  'setTrainConfig',
  'evaluate',
  'inspect',
  'forecast',
  'classify',
  'sample',
  'exportState',
  'memory',
  'dispose',
];

async function pageHost(id: PageBackendId): Promise<TrainerHost> {
  const backend = await pageBackend(id);
  const service = new TrainerService(createEngine(backend), rawData, yieldToPage);
  const api = Object.fromEntries(
    METHODS.map((m) => [m, (...args: unknown[]) => (service[m] as (...a: unknown[]) => Promise<unknown>).apply(service, args)]),
  ) as unknown as TrainerApi;
  return {
    ...api,
    backend: id,
    close() {
      void service.dispose();
    },
  };
}

export async function createHost(id: BackendId): Promise<TrainerHost> {
  return id === 'cpu' ? workerHost() : pageHost(id);
}
