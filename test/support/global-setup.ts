import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource } from '../../libs/persistence/src/data-source';

export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Scoped to this checkout, so test runs in two worktrees on one machine never share a template. */
export const CHECKOUT_TAG = createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8);
export const TEMPLATE_DB = `bedlink_test_${CHECKOUT_TAG}_template`;
export const SUITE_DB_PREFIX = `bedlink_test_${CHECKOUT_TAG}_s`;
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
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [TEMPLATE_DB]);
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    // Databases left by a killed run of an earlier suite.
    const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $2 AND datname <> $1`, [TEMPLATE_DB, `${SUITE_DB_PREFIX}%`]);
    for (const r of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
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
