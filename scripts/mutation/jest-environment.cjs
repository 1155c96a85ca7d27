/**
 * npm run test:mutation: the node environment of the unit specs, plus a record of which spec file holds which test
 * (jest.mutation.config.js). During Stryker's initial run (no active mutant) it writes, after each spec file, the
 * test → file map and the per-test coverage Stryker collected so far (the `__stryker__` global its own environment
 * adds around this one) to `.mutation-tests.json` in the sandbox. jest-filter.cjs reads it to load, for a mutant,
 * only the spec files holding the tests that cover it: Stryker already runs only those tests (by name), but jest
 * still loaded every spec of the slice to find them, and that load was most of a mutant's time.
 */
const fs = require('node:fs');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** test full name → spec files, for this process (the initial run happens in one test runner process) */
const files = {};

// Stryker's own test id: the describe names and the test name, space-separated (mixin-jest-environment.cjs)
function describeName(block) {
  return block.parent ? `${describeName(block.parent)} ${block.name}`.trimStart() : '';
}
const fullName = (test) => `${describeName(test.parent)} ${test.name}`.trimStart();

class MutationTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.dataFile = path.join(config.projectConfig.rootDir, '.mutation-tests.json');
  }

  async handleTestEvent(event) {
    if (event.name === 'test_start' && !process.env[ACTIVE_MUTANT]) {
      const name = fullName(event.test);
      (files[name] ??= []).includes(this.testPath) || files[name].push(this.testPath);
    }
  }

  async teardown() {
    const coverage = this.global.__stryker__?.mutantCoverage;
    if (!process.env[ACTIVE_MUTANT] && coverage) {
      // written whole each time: the last spec file of the initial run leaves the complete map
      fs.writeFileSync(this.dataFile, JSON.stringify({ files, perTest: coverage.perTest ?? {} }));
    }
    await super.teardown();
  }
}

module.exports = MutationTestEnvironment;
