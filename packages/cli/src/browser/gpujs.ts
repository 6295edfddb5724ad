/** Page module of `recurrent conformance --backend gpujs --mode browser`: gpu.js on WebGL2. */
import { createGpujsBackend } from '@recurrent/backend-gpujs';
import type { ConformancePageArgs, ConformancePageResult } from '../browser.js';
import { runConformancePage } from './conformance-page.js';

export const run = (args: ConformancePageArgs): Promise<ConformancePageResult> =>
  runConformancePage(async () => createGpujsBackend({ mode: 'webgl2' }), args);
