import { Client } from 'pg';
import { EnvConfig } from '@bedlink/config';

/** The database a URL reaches, or undefined when it cannot be reached now (not this check's business). */
async function databaseOf(url: string): Promise<string | undefined> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    return (await c.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * At the worker's start: DATABASE_SESSION_URL must reach the database DATABASE_URL reaches. The leader's
 * advisory lock and the outbox's notifications are per database, so a session URL naming another one
 * (a pooler's alias resolved to the wrong database, a copy-paste) would give every worker a lock of its own
 * and a relay that never hears a commit. A database that cannot be reached at this moment is left to the
 * connections that retry.
 */
export async function checkSessionDatabase(cfg: EnvConfig): Promise<void> {
  if (!cfg.DATABASE_SESSION_URL) return;
  const [main, session] = await Promise.all([databaseOf(cfg.DATABASE_URL), databaseOf(cfg.DATABASE_SESSION_URL)]);
  if (main !== undefined && session !== undefined && main !== session)
    throw new Error(
      `invalid configuration:\n  DATABASE_SESSION_URL: reaches database "${session}" while DATABASE_URL reaches "${main}"; ` +
        `the leader's lock and the relay's notifications are per database`,
    );
}
