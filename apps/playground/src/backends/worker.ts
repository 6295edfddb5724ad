/** The CPU backend's Web Worker: a TrainerService behind postMessage. */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { lazyData, rawData } from '../data/raw.js';
import { type ServiceMethod, TrainerService } from './service.js';

const service = new TrainerService(createCpuBackend(), rawData, async () => {}, lazyData);

const scope = self as unknown as { onmessage: unknown; postMessage(m: unknown): void };

scope.onmessage = async (ev: MessageEvent<{ id: number; method: ServiceMethod; args: unknown[] }>) => {
  const { id, method, args } = ev.data;
  try {
    const fn = service[method] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(service, args);
    scope.postMessage({ id, result });
  } catch (e) {
    scope.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
