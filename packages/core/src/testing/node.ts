/** Node-only testing helpers: `@recurrent/core/testing/node`. */
export { loadFixtureFile } from './fixture-file.js';
