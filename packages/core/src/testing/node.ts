/** Node-only testing helpers: `@recurrent/core/testing/node`. */
export { findReferenceFixture, findReferenceFixtures, loadFixtureFile, loadReferenceFixtures, REFERENCE_FIXTURE_FILES } from './fixture-file.js';
