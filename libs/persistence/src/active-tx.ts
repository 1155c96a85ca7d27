import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

const activeTx = new AsyncLocalStorage<EntityManager>();

/** Runs work with `em` (a unit of work's transaction) as the connection sameConnection() hands out. */
export function withActiveTx<T>(em: EntityManager, work: () => Promise<T>): Promise<T> {
  return activeTx.run(em, work);
}

/**
 * The open unit of work's connection when there is one, else the pool. A read made while a
 * command's transaction holds a connection (the district policy, the matcher) must not take a
 * second one: with COMMAND_CONCURRENCY transactions each waiting for a second connection from a
 * pool no larger than that, nobody gets one until the pool's connect timeout, the commands fail
 * as "database unreachable" and BullMQ retries them with backoff (the closed-loop stall of
 * docs/performance.md, "Hardening and structure round").
 */
export function sameConnection(ds: DataSource): DataSource | EntityManager {
  return activeTx.getStore() ?? ds;
}

/** The transactions open now, beside the statement that reads them (pg_current_snapshot's in-progress ids). */
export const OPEN_TRANSACTIONS = `ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot()))::text[]`;

/**
 * Waits until each of these transactions (ids from OPEN_TRANSACTIONS) has ended, for at most `waitMs`;
 * answers those still open then. A statement that must see what they commit waits first: a row they hold
 * is invisible to it until then, in the state the snapshot had.
 */
export async function waitForTransactions(query: (sql: string, params: unknown[]) => Promise<any[]>, xids: string[], waitMs: number): Promise<string[]> {
  const until = Date.now() + waitMs;
  let open = xids;
  while (open.length) {
    open = (await query(`SELECT x::text FROM unnest($1::xid8[]) x WHERE pg_xact_status(x) = 'in progress'`, [open])).map((r: { x: string }) => r.x);
    if (!open.length || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return open;
}
