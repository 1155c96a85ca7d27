// @ts-check
/**
 * npm run test:mutation (not part of `npm test`): StrykerJS on libs/domain and the command handlers, with
 * the unit jest project (jest.mutation.config.js) and the TypeScript checker, so a mutant that does not
 * compile is discarded rather than counted as killed. Two slices (MUTATION_SLICE=domain|handlers), each
 * with its own incremental file under reports/: only mutants whose code or covering tests changed run again.
 * See docs/mutation.md.
 */
const slice = process.env.MUTATION_SLICE ?? 'domain';
const mutate = {
  domain: [
    'libs/domain/src/**/*.ts',
    '!libs/domain/src/**/*.spec.ts',
    // the reference text for the generated README sections: strings, no behaviour
    '!libs/domain/src/docs/**',
  ],
  handlers: ['libs/application/src/commands/*/*.handler.ts'],
}[slice];
if (!mutate) throw new Error(`MUTATION_SLICE must be domain or handlers, not ${slice}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // handlers: --findRelatedTests narrows a mutant's run to its own spec and commands.spec.ts; the
  // domain is imported by every spec through its index, where the flag would only cost time
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: slice === 'handlers' },
  checkers: ['typescript'],
  // what the checker compiles for each mutant: the slice's code and specs, with only the ambient types they use
  // (jest, node). The checker builds the whole program again for every check, so every file and @types package
  // in it costs each mutant; the domain needs nothing outside libs/domain (docs/mutation.md, "Cost").
  tsconfigFile: slice === 'domain' ? 'tsconfig.mutation-domain.json' : 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate,
  // A static mutant (a table built when the module loads) has no per-test coverage, so each one runs the whole
  // slice; on a shared 2-core machine that is minutes a mutant. They are reported as ignored, and the tables
  // they would mutate (labels, permissions, state machines) have hand-written expectations of their own.
  ignoreStatic: true,
  // the sandbox needs the libraries, configs and the specs, nothing else
  ignorePatterns: [
    '/apps',
    '/test',
    '/bench',
    '/docs',
    '/docker',
    // jest.mutation.config.js's environment and filter stay
    '/scripts/*',
    '!/scripts/mutation',
    '/reports',
    '/coverage',
    '/dist',
    '/var',
    '/test-artifacts',
    '/.mutation-tests.json',
  ],
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${slice}.json`,
  concurrency: 2,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true, reportMutants: true },
  jsonReporter: { fileName: `reports/mutation/${slice}.json` },
  htmlReporter: { fileName: `reports/mutation/${slice}.html` },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // a mutant that hangs (a promise never settled, a loop) is a Timeout, counted as detected; 5 s over the
  // test's own time is ample for the unit specs even on a loaded machine, and keeps hung mutants cheap
  timeoutMS: 5000,
};
