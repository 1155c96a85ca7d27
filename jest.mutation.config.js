/**
 * npm run test:mutation: the unit project only (no database, no Redis), in two slices chosen by
 * MUTATION_SLICE, so each mutant loads only the specs that can judge it:
 * - domain: libs/domain's own specs (a domain rule must be pinned by the domain's tests);
 * - handlers: the handler specs, which run on the in-memory fake unit of work (libs/application/src/testing).
 */
const path = require('node:path');
const unit = require('./jest.config.js').projects[0];

const slices = {
  domain: ['<rootDir>/libs/domain/**/*.spec.ts'],
  handlers: ['<rootDir>/libs/application/src/commands/**/*.spec.ts'],
};
const slice = process.env.MUTATION_SLICE ?? 'domain';
if (!slices[slice]) throw new Error(`MUTATION_SLICE must be one of ${Object.keys(slices).join(', ')}`);

module.exports = {
  ...unit,
  displayName: `mutation-${slice}`,
  testMatch: slices[slice],
  // node, plus a record of which spec holds which test, written during Stryker's initial run ...
  testEnvironment: path.join(__dirname, 'scripts/mutation/jest-environment.cjs'),
  // ... so that a mutant's run loads only the specs holding the tests that cover it (docs/mutation.md)
  filter: path.join(__dirname, 'scripts/mutation/jest-filter.cjs'),
};
