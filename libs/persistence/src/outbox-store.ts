import { DataSource } from 'typeorm';
import { PLAN_EACH_TIME } from './prepared-client';

export interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  metadata: Record<string, any>;
  priority: number;
  created_at: Date;
  /** When its claim marked it sent, in microseconds since the epoch (SENT_AT_US): names its packed job. */
  sent_at_us: string;
}

/** An outbox row's sent_at in microseconds since the epoch, as text: the relay and the lost-write sweeper name packed jobs by it. */
export const SENT_AT_US = (alias: string) => `(extract(epoch from ${alias}.sent_at) * 1000000)::bigint::text`;

/**
 * Set for the claim's transaction only: the claim walks the partial index of unsent rows in id order,
 * whatever the statistics say. Every row the relay marks sent leaves a dead entry in that index until
 * a vacuum; an index scan marks each dead entry it meets (kill_prior_tuple) and the next claim steps
 * over it. Statistics taken during a backlog (a few percent of the partition unsent) made the planner
 * choose a bitmap scan or a sequential scan instead, for the claim and for the join of its UPDATE; neither
 * marks anything, so every claim read the partition again. Measured in the bench's closed loop
 * (pg_stat_statements): 2,700 buffers and 6.5 ms a claim, 40 % of the buffers the engine touched.
 * With these settings a repeated claim touches about 200 (test/outbox-claim-cost.e2e-spec.ts). The one
 * other read in the claim's transaction, the webhook routes, reads a table with no other path anyway.
 * `jit = off` because a disabled scan is priced at 10^10, not removed: the webhook subscriptions' scan
 * made the claim's cost pass jit_above_cost, and compiling it took 430 ms a claim.
 */
export const CLAIM_SETTINGS = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL jit = off';

/**
 * The claim: the first `limit` unsent rows (after `after`), locked, marked sent, returned with the
 * webhook subscriptions' generation. Planned on every call (PLAN_EACH_TIME, and the simple
 * protocol is never prepared): the outbox grows by bursts between analyzes. The UPDATE takes its rows
 * by id (`= ANY`), not by a join, which the planner made a hash join over the whole partition. Both
 * values are inlined, so they are checked here: a count and an outbox id (bigint as text), nothing else.
 */
export function claimStatement(limit: number, after?: string): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`claim limit must be a positive integer, not ${limit}`);
  if (after !== undefined && !/^\d{1,19}$/.test(after)) throw new Error(`claim after must be an outbox id, not ${after}`);
  return `${PLAN_EACH_TIME}WITH claimed AS (SELECT id FROM outbox WHERE sent_at IS NULL${after === undefined ? '' : ` AND id > ${after}`} ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED),
              subs AS (SELECT count(*)::text || ':' || coalesce(sum(hashtext(id::text || ':' || active::text || ':' || array_to_string(event_types, ','))), 0)::text AS g
                       FROM webhook_subscriptions)
         UPDATE outbox o SET sent_at = now() FROM subs WHERE o.id = ANY(ARRAY(SELECT id FROM claimed))
         RETURNING o.id::text, o.event_id, o.event_type, o.aggregate_type, o.aggregate_id, o.payload, o.metadata, o.priority, o.created_at,
                   ${SENT_AT_US('o')} AS sent_at_us, subs.g AS webhook_generation`;
}

/** A query on the relay's transaction (reads the relay needs to route a batch, on the same connection). */
export type RelayQuery = (sql: string, params?: unknown[]) => Promise<any[]>;

/** A claimed batch, its transaction open until commit() (the rows are then sent) or rollback(). */
export interface RelayClaim {
  rows: OutboxRow[];
  webhookGeneration: string;
  query: RelayQuery;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * The relay's side of the outbox. Claims a batch with SKIP LOCKED (several relays may run) and
 * marks it sent in one statement, publishes it, and commits: if publishing fails the transaction
 * rolls back and the rows stay unsent; a crash after publishing and before the commit publishes
 * them again on the next pass, and the job id (= event id) plus the consumers' inbox make that
 * harmless. Each claimed row also carries the webhook subscriptions' generation (a hash of which
 * subscriptions are live), so the relay's routing cache learns of a change in the same statement.
 */
export class OutboxStore {
  constructor(private readonly ds: DataSource) {}

  async relayBatch(limit: number, publish: (rows: OutboxRow[], query: RelayQuery, webhookGeneration: string) => Promise<void>): Promise<number> {
    const c = await this.claim(limit);
    try {
      if (c.rows.length) await publish(c.rows, c.query, c.webhookGeneration);
      await c.commit();
      return c.rows.length;
    } catch (e) {
      await c.rollback();
      throw e;
    }
  }

  /**
   * The first half of relayBatch: a batch claimed and marked sent in an open transaction, which
   * the caller commits once the batch is published (or rolls back). The relay claims the next
   * batch while the current one is being published, with `after` = the current batch's last id:
   * the claim made ahead never walks the rows of the batch in flight. SKIP LOCKED would pass them
   * while they are locked, but a row whose claim commits while another claim walks past it is
   * re-checked by Postgres (EvalPlanQual), at about a millisecond a row: measured here, a claim
   * made ahead that met a batch committing took a second of CPU, and the outbox drain fell to
   * 900 rows/s.
   */
  async claim(limit: number, after?: string): Promise<RelayClaim> {
    // built (and its two values checked) before a connection is taken
    const statement = `BEGIN; ${CLAIM_SETTINGS}; ${claimStatement(limit, after)}`;
    const qr = this.ds.createQueryRunner();
    // The transaction is opened in the claim's own round trip ("BEGIN; SET LOCAL …; WITH claimed …" on the simple protocol,
    // which takes no parameters: the two values are inlined above): one round trip a pass fewer than TypeORM's
    // startTransaction. TypeORM is not told of it, so the end is sent on the same connection here.
    const client = (await qr.connect()) as { query(text: string): Promise<unknown> };
    let open = true;
    const end = async (commit: boolean) => {
      if (!open) return;
      open = false;
      try {
        if (commit) await client.query('COMMIT');
        // a failed claim or a failed publish: the transaction is open or aborted, either way ended here
        else await client.query('ROLLBACK').catch(() => undefined);
      } finally {
        await qr.release();
      }
    };
    try {
      const results = (await client.query(statement)) as {
        rows: (OutboxRow & { webhook_generation: string })[];
      }[];
      // one result per statement: the claim's is the last
      const rows = results[results.length - 1].rows;
      // RETURNING has no order: publish in outbox order, as the claim did
      rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      return {
        rows,
        webhookGeneration: rows[0]?.webhook_generation ?? '',
        query: (sql, params) => qr.query(sql, params),
        commit: () => end(true),
        rollback: () => end(false),
      };
    } catch (e) {
      await end(false);
      throw e;
    }
  }

  /**
   * After Redis lost its data: events already marked sent may never have been consumed.
   * Marks as unsent every row created since `since` and sent before `sentBefore` that some consumer
   * has not handled, so the relay publishes it again; inboxes keep the effect single. `sentBefore` is
   * Postgres's own text for a timestamptz: a Date would lose its microseconds.
   */
  async requeueUnhandled(consumers: readonly string[], since: Date, types: readonly string[] | null, sentBefore: string): Promise<number> {
    const res = await this.ds.query(
      `UPDATE outbox o SET sent_at = NULL
       WHERE o.sent_at IS NOT NULL AND o.sent_at < $4::timestamptz AND o.created_at >= $2 AND ($3::text[] IS NULL OR o.event_type = ANY($3::text[]))
         AND (SELECT count(*) FROM inbox i WHERE i.event_id = o.event_id AND i.consumer = ANY($1::text[])) < cardinality($1::text[])`,
      [consumers, since, types, sentBefore],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  /** A read on the pool, for the relay's rare checks (not inside a batch). */
  query(sql: string, params: unknown[] = []): Promise<any[]> {
    return this.ds.query(sql, params);
  }

  async backlog(): Promise<{ unsent: number; oldestMs: number }> {
    const [r] = await this.ds.query(
      `SELECT count(*)::int AS n, coalesce(extract(epoch from now() - min(created_at)) * 1000, 0)::float AS age FROM outbox WHERE sent_at IS NULL`,
    );
    return { unsent: r.n, oldestMs: r.age };
  }
}
