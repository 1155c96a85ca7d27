import 'reflect-metadata';
import { loadConfig, migrationDatabaseUrl } from '@bedlink/config';
import { createDataSource, grantRuntimeRoleSql, RUNTIME_ROLE } from '@bedlink/persistence';

/**
 * npm run migration:run: creates the database if missing, then applies pending migrations as the
 * schema owner (MIGRATION_DATABASE_URL, else DATABASE_URL) and (re)grants the runtime role.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const { Client } = await import('pg');
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!r.rowCount) await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await c.end();
  }
}

export async function migrate(url: string, runtimeUrl?: string): Promise<string[]> {
  await ensureDatabase(url);
  // No statement timeout: the requests' 15 s would cancel a backfill on a city's tables (the offers copy took
  // longer than that on a year of history, 990,000 offers), and a migration has no caller waiting on it.
  const ds = createDataSource(url, 2, 0);
  await ds.initialize();
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    // tables added by later migrations get the runtime grants too (and the audit tables keep theirs narrow)
    await ds.query(grantRuntimeRoleSql());
    // the runtime role's password comes from its URL (a local trust setup needs none)
    const rt = runtimeUrl ? new URL(runtimeUrl) : null;
    if (rt && decodeURIComponent(rt.username) === RUNTIME_ROLE && rt.password) {
      const [{ q }] = await ds.query(`SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS q`, [RUNTIME_ROLE, decodeURIComponent(rt.password)]);
      await ds.query(q);
    }
    return done.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  const cfg = loadConfig();
  migrate(migrationDatabaseUrl(cfg), cfg.DATABASE_URL)
    .then((names) => console.log(names.length ? `applied: ${names.join(', ')}` : 'database schema is up to date'))
    .catch((e) => {
      console.error(`migration failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    });
}
