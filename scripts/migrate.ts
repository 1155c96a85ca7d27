import 'reflect-metadata';
import { loadConfig } from '@bedlink/config';
import { createDataSource } from '@bedlink/persistence';

/** npm run migration:run: creates the database if missing, then applies pending migrations. */
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

export async function migrate(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = createDataSource(url, 2);
  await ds.initialize();
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  migrate(loadConfig().DATABASE_URL)
    .then((names) => console.log(names.length ? `applied: ${names.join(', ')}` : 'database schema is up to date'))
    .catch((e) => {
      console.error(`migration failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    });
}
