/** npm run test:faults: fault injection against real processes (not part of the default `npm test`). */
const base = require('./jest.config.js').projects[1];

module.exports = {
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  modulePathIgnorePatterns: base.modulePathIgnorePatterns,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  testTimeout: 600_000,
};
