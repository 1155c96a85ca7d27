/**
 * npm run test:mutation: jest's `filter` for a mutant run. Stryker runs a mutant with a test-name pattern that
 * selects the tests covering it (perTest coverage), which jest applies only after loading every spec file of the
 * slice. This filter narrows the spec files to those holding a covering test, from the map jest-environment.cjs
 * wrote during Stryker's initial run. It changes no verdict: a spec file without a covering test would have run
 * none of its tests. With no active mutant (the initial run), no map, or a mutant the map does not know, every
 * spec file is kept, as without the filter.
 */
const fs = require('node:fs');
const path = require('node:path');

const dataFile = path.join(__dirname, '..', '..', '.mutation-tests.json');
let data;

module.exports = async function filter(testPaths) {
  const all = { filtered: testPaths.map((test) => ({ test })) };
  const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;
  if (!mutant) return all;
  if (!data) {
    if (!fs.existsSync(dataFile)) return all;
    data = JSON.parse(fs.readFileSync(dataFile, 'utf8'));
  }
  const keep = new Set();
  for (const [test, covered] of Object.entries(data.perTest)) {
    if (covered[mutant]) for (const file of data.files[test] ?? []) keep.add(file);
  }
  if (keep.size === 0) return all;
  return { filtered: testPaths.filter((test) => keep.has(test)).map((test) => ({ test })) };
};
