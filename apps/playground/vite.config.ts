import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { readPlaygroundData } from './data-files.js';

/**
 * `virtual:playground-data`: the name lists and the Seattle weather CSV, read from the dataset
 * packages at build time and bundled with the app (nothing is fetched at run time).
 */
function playgroundData(): Plugin {
  const id = 'virtual:playground-data';
  return {
    name: 'playground-data',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? `export default ${JSON.stringify(readPlaygroundData())};` : undefined),
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
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
