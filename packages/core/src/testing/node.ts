/** Node-only testing helpers: `@recurrent/core/testing/node`. */
export {
  findReferenceFixture,
  findReferenceFixtures,
  type FixtureText,
  loadFixtureFile,
  loadReferenceFixtures,
  provideReferenceFixtures,
  REFERENCE_FIXTURE_FILES,
} from './fixture-file.js';
