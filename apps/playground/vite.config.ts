import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { readBaseData, readDigits, readG2p } from './data-files.js';

/**
 * `virtual:playground-data`: the name lists and the Seattle weather CSV, read from the dataset
 * packages at build time and bundled with the app (nothing is fetched at run time).
 * `virtual:playground-digits`: the mnist subset, a chunk of its own that the page and the
 * worker import only when the digits task needs it (src/data/raw.ts).
 * `virtual:playground-g2p`: the CMUdict subset, likewise loaded when the g2p task needs it.
 */
function playgroundData(): Plugin {
  const modules: Record<string, () => unknown> = { 'virtual:playground-data': readBaseData, 'virtual:playground-digits': readDigits, 'virtual:playground-g2p': readG2p };
  return {
    name: 'playground-data',
    resolveId: (source) => (Object.hasOwn(modules, source) ? `\0${source}` : undefined),
    load: (resolved) => {
      const id = resolved.startsWith('\0') ? resolved.slice(1) : '';
      return Object.hasOwn(modules, id) ? `export default ${JSON.stringify(modules[id]())};` : undefined;
    },
  };
}

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Relative asset URLs: the built app works from any folder or static host.
  base: './',
  // Build the workspace packages from their sources (no prebuild needed).
  resolve: { conditions: ['@recurrent/source', ...defaultClientConditions] },
  plugins: [playgroundData()],
  worker: { format: 'es', plugins: () => [playgroundData()] },
  server: { host: '127.0.0.1', headers: ISOLATION },
  preview: { host: '127.0.0.1', headers: ISOLATION },
  // The largest chunk is the digits data (2.1 MB, loaded on demand).
  build: { target: 'es2022', chunkSizeWarningLimit: 2200 },
});
