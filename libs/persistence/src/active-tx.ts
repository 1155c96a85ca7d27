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
