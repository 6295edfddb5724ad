/**
 * A host runs one training run on one backend: in a Web Worker (CPU) or on the page (GPU
 * backends). A page host moves its run between GPU backends with the library's `toBackend`
 * (`moveTo`); between the worker and the page the run travels as a saved model (file.ts).
 */
import type { BackendId } from '../model/config.js';
import { lazyData, rawData } from '../data/raw.js';
import { type PageBackendId, pageBackend } from './registry.js';
import { type ServiceMethod, type TrainerApi, TrainerService } from './service.js';

export interface TrainerHost extends Omit<TrainerApi, 'moveTo'> {
  readonly backend: BackendId;
  /** Page hosts: moves the run to another page backend (the library's toBackend). */
  moveTo?(id: PageBackendId): Promise<void>;
  /** Ends the host: frees its tensors (page) or terminates the worker. */
  close(): void;
}

/**
 * Gives the page a frame (rendering, input) between GPU steps: waits for the next animation
 * frame, then for a task after it, so the browser paints before the next step starts. A
 * message-channel task alone does not: the page painted at 2-6 frames per second on gpu.js.
 */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    // A hidden tab gets no frames: fall back to the task alone.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') ch.port2.postMessage(null);
    else requestAnimationFrame(() => ch.port2.postMessage(null));
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
  const api = Object.fromEntries(METHODS.map((m) => [m, call(m)])) as unknown as Omit<TrainerApi, 'moveTo'>;
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
  'load',
  'useWords',
  'exportFile',
  'train',
  'setTrainConfig',
  'evaluate',
  'inspect',
  'forecast',
  'classify',
  'digits',
  'g2pScores',
  'pronounce',
  'sample',
  'benchLoad',
  'benchTrain',
  'benchEnd',
  'memory',
  'dispose',
];

async function pageHost(id: PageBackendId): Promise<TrainerHost> {
  const service = new TrainerService(await pageBackend(id), rawData, yieldToPage, lazyData);
  const api = Object.fromEntries(
    METHODS.map((m) => [m, (...args: unknown[]) => (service[m] as (...a: unknown[]) => Promise<unknown>).apply(service, args)]),
  ) as unknown as Omit<TrainerApi, 'moveTo'>;
  const host: TrainerHost & { backend: BackendId } = {
    ...api,
    backend: id,
    async moveTo(next: PageBackendId) {
      await service.moveTo(await pageBackend(next));
      host.backend = next;
    },
    close() {
      void service.dispose();
    },
  };
  return host;
}

export async function createHost(id: BackendId): Promise<TrainerHost> {
  return id === 'cpu' ? workerHost() : pageHost(id);
}
