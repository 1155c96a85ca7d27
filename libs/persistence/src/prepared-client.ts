import { createHash } from 'node:crypto';
import { Client, QueryResult } from 'pg';
import { isStalePlan } from './sql-state';

/**
 * A pg client that runs the engine's repeated statements as named prepared statements, so Postgres plans
 * each of them once per connection instead of on every call.
 *
 * Why: node-postgres sends a parameterised query as an unnamed statement, which Postgres parses and
 * plans anew every time. Measured under the bench's closed loop (pg_stat_statements with track_planning),
 * planning was 8.3 s against 15.7 s of execution: a third of the database's time per command went to
 * planning the same few dozen statements (the referral's children read: 0.29 ms to plan, 0.08 ms to run).
 * A named statement is planned with custom plans five times, then with one generic plan when that is no
 * worse (plan_cache_mode auto), which for these key lookups it is.
 *
 * What is prepared: a statement with parameters, the second time this process sees its text (a statement
 * seen once, like an operator's one-off, stays unnamed), and at most MAX_PER_CONNECTION of them per
 * connection, so a stream of distinct texts cannot grow a backend's memory without end. A statement
 * that starts with PLAN_EACH_TIME is never prepared.
 *
 * The one failure prepared statements add: after a migration changes a table, a prepared `SELECT *` of
 * it fails with 0A000 "cached plan must not change result type". Every name then moves to a new
 * generation (re-prepared on next use). A statement that failed so outside a transaction is run again at
 * once; inside one, the transaction is aborted and the error goes up: the unit of work retries it (see
 * isStalePlan), as it retries a serialization failure.
 */
const MAX_PER_CONNECTION = 300;

/**
 * The text a statement starts with when Postgres must plan it on every call. A generic plan is made
 * for the table as it was: the relay's claim, prepared while a month's outbox partition held a few
 * rows, kept a nested loop with a sequential scan of the partition per claimed row after a burst of
 * 10,000 rows (1.26 s for a claim of 1,000, auto_explain; 20 ms when planned afresh), until an
 * autoanalyze replaced the plan. A table that grows by orders of magnitude between analyzes (a month's
 * partition, a backlog after an outage) needs a plan per call; its planning is a millisecond against
 * a batch of work.
 */
export const PLAN_EACH_TIME = '/* plan each time */ ';
const MAX_TEXTS = 5_000;

let generation = 0;
const seen = new Map<string, string | null>();

/** The statement's name (null: seen once, not yet worth preparing). */
function nameOf(text: string): string | null {
  const known = seen.get(text);
  if (known !== undefined) {
    if (known !== null) return known;
    const name = createHash('sha1').update(text).digest('base64url').slice(0, 22);
    seen.set(text, name);
    return name;
  }
  if (seen.size >= MAX_TEXTS) seen.clear();
  seen.set(text, null);
  return null;
}

/**
 * pg's Client with an 'error' listener from the moment it exists. pg hands a new connection to the pool, and
 * the pool to TypeORM, inside the handler of the socket read that held ReadyForQuery; TypeORM attaches its
 * listener a microtask later. A backend terminated as it became ready (pg_terminate_backend, a failover) puts
 * its ErrorResponse in that same read, emitted on a client nobody listens to yet: the process died of it in
 * the fault suite. Swallowing it here loses nothing: the client is marked unqueryable, so its next query
 * fails to the caller and the pool drops it on release; the pool's and TypeORM's own listeners still run.
 */
export class GuardedClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', () => undefined);
  }
}

export class PreparingClient extends GuardedClient {
  private readonly prepared = new Set<string>();
  private preparedIn = generation;

  // the promise form with text and values is the one TypeORM uses; every other form passes through
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined || config.startsWith(PLAN_EACH_TIME)) {
      return (super.query as (...a: unknown[]) => unknown)(config, values, callback);
    }
    return this.named(config, values, false);
  }

  private named(text: string, values: unknown[], again: boolean): Promise<QueryResult> {
    const base = nameOf(text);
    if (base === null) return super.query(text, values);
    if (this.preparedIn !== generation) {
      // the server keeps the old generation's statements until the connection closes: few, and rare
      this.prepared.clear();
      this.preparedIn = generation;
    }
    const name = `bl${generation}_${base}`;
    if (!this.prepared.has(name)) {
      if (this.prepared.size >= MAX_PER_CONNECTION) return super.query(text, values);
      this.prepared.add(name);
    }
    const at = generation;
    return super.query({ name, text, values }).catch((e: unknown) => {
      if (!isStalePlan(e)) throw e;
      if (generation === at) generation++;
      // outside a transaction nothing was lost: run it again under the new name; inside one, the caller retries
      if (!again && this.getTransactionStatus() === 'I') return this.named(text, values, true);
      throw e;
    });
  }
}
