/** Page module of `recurrent conformance --backend webgl`. */
import { createWebglBackend } from '@recurrent/backend-webgl';
import type { ConformancePageArgs, ConformancePageResult } from '../browser.js';
import { runConformancePage } from './conformance-page.js';

export const run = (args: ConformancePageArgs): Promise<ConformancePageResult> => runConformancePage(() => createWebglBackend(), args);
