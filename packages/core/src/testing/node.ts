/** Node-only testing helpers: `@recurrent/core/testing/node`. */
export { findReferenceFixture, loadFixtureFile } from './fixture-file.js';
