import { Client } from 'pg';
import { ADMIN_URL, TEMPLATE_DB } from './global-setup';

/**
 * Drops this run's template database: each suite drops its own, and the template was left for the next run
 * in the same checkout to drop. A run in a clone that is then deleted (CI, a second worktree) left one for
 * good. A failure here only reports: the next run of this checkout drops what a killed run left.
 */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  } catch (e) {
    console.warn(`test template ${TEMPLATE_DB} not dropped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
