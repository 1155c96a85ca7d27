/**
 * npm run test:mutation: StrykerJS through its programmatic API. Stryker 10's CLI refuses Node < 22 at start-up,
 * while the engine runs on Node 20 (package.json engines); the API has no such guard and the run itself needs
 * nothing from Node 22. Options come from stryker.config.mjs; the command line may narrow them:
 *   MUTATION_SLICE=domain npm run test:mutation -- --mutate libs/domain/src/beds/bed.ts [--incrementalFile reports/scratch.json] [--force]
 * Exits non-zero when a run fails (not when the score is low: the thresholds in the config only colour the report).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// the package's index also loads the CLI module, whose top level runs the guard: import the engine's own module
const core = dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(join(core, 'dist/src/stryker.js')).href);

const opts = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--mutate') opts.mutate = args[++i].split(',');
  else if (a === '--incrementalFile') opts.incrementalFile = args[++i];
  else if (a === '--concurrency') opts.concurrency = Number(args[++i]);
  else if (a === '--force') opts.force = true;
  // every covering test runs, so the report names all the tests that kill a mutant (not only the first)
  else if (a === '--disableBail') opts.disableBail = true;
  else {
    console.error(`unknown option ${a}`);
    process.exit(2);
  }
}
// both slices unless MUTATION_SLICE names one (stryker.config.mjs reads it when loaded, so one child process each)
const slices = process.env.MUTATION_SLICE ? [process.env.MUTATION_SLICE] : ['domain', 'handlers'];
if (slices.length > 1) {
  const { spawnSync } = await import('node:child_process');
  for (const slice of slices) {
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, ...args], { stdio: 'inherit', env: { ...process.env, MUTATION_SLICE: slice } });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.exit(0);
}
try {
  await new Stryker(opts).runMutationTest();
} catch (e) {
  console.error(e);
  process.exit(1);
}
