import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createDataSource } from '../../libs/persistence/src/data-source';

export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Scoped to this checkout, so test runs in two worktrees on one machine never share a template. */
export const CHECKOUT_TAG = createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8);
/**
 * And to this run (the jest main process's pid, handed to the workers through the environment),
 * so two runs in one checkout never drop each other's template or suite databases.
 */
process.env.BEDLINK_TEST_RUN ??= String(process.pid);
export const TEST_RUN = process.env.BEDLINK_TEST_RUN;
const CHECKOUT_DB_PREFIX = `bedlink_test_${CHECKOUT_TAG}_`;
export const TEMPLATE_DB = `${CHECKOUT_DB_PREFIX}r${TEST_RUN}_template`;
export const SUITE_DB_PREFIX = `${CHECKOUT_DB_PREFIX}r${TEST_RUN}_s`;

/** The run a database of this checkout belongs to is over (killed, or finished without cleaning up). */
export function ownerGone(datname: string, alive: (pid: number) => boolean = pidAlive): boolean {
  const m = /^bedlink_test_[0-9a-f]{8}_r(\d+)_/.exec(datname);
  // names from before run ids: no run of this code owns them
  if (!m) return true;
  return runOver(Number(m[1]), alive);
}

/** The test run with this id (its jest main process's pid) is over: not this one, and not alive. */
function runOver(run: number, alive: (pid: number) => boolean): boolean {
  return run !== process.pid && !alive(run);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, someone else's
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
/**
 * Processes a test run started and left behind when it was killed hard (SIGKILL of jest, a CI timeout):
 * no afterAll ran to stop its pgbouncer, its redis-servers or its engine processes, which kept their ports
 * and, for an engine, kept polling a database the next run drops. Each inherited BEDLINK_TEST_RUN, the run's
 * pid: those whose run is over are killed (SIGKILL, as killAll stops them). Answers the pids killed.
 */
export function sweepOrphans(alive: (pid: number) => boolean = pidAlive): number[] {
  const killed: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const m = /(?:^|\0)BEDLINK_TEST_RUN=(\d+)\0/.exec(env);
    if (!m || !runOver(Number(m[1]), alive)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return killed;
}

/** The engine in tests logs in as the runtime role the migrations create, so the suites prove its grants are enough. */
export const RUNTIME_USER = 'bedlink_app';
export const RUNTIME_TEST_PASSWORD = 'bedlink-app-test';

/** The same database as `url`, as the runtime role. */
export function runtimeUrlOf(url: string): string {
  const u = new URL(url);
  u.username = RUNTIME_USER;
  u.password = RUNTIME_TEST_PASSWORD;
  return u.toString();
}

/**
 * Migrates a template database once per run; every suite clones it (CREATE DATABASE … TEMPLATE),
 * which takes a fraction of a second and gives each suite its own schema to break.
 */
export default async function globalSetup(): Promise<void> {
  const swept = sweepOrphans();
  if (swept.length) console.warn(`killed ${swept.length} processes left by test runs that were killed: ${swept.join(', ')}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [TEMPLATE_DB]);
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    // Databases (templates and suites) left by killed runs in this checkout; a run still going keeps its own.
    const mine = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $2 AND datname <> $1`, [TEMPLATE_DB, `${CHECKOUT_DB_PREFIX}%`]);
    for (const r of mine.rows.filter((x: { datname: string }) => ownerGone(x.datname)))
      await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${TEMPLATE_DB}`;
  const ds = createDataSource(url.toString(), 1);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  // a password, so the runtime role logs in under password authentication as well as trust
  // (runs of other checkouts may set the same password at the same moment: "tuple concurrently updated" is harmless)
  await ds.query(`ALTER ROLE ${RUNTIME_USER} PASSWORD '${RUNTIME_TEST_PASSWORD}'`).catch(() => undefined);
  await ds.destroy();
}
