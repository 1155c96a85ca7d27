import { DataSource } from 'typeorm';

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
}

/**
 * The relay's side of the outbox. Claims a batch with SKIP LOCKED (several relays may run),
 * publishes it, and marks it sent in the same transaction: if publishing fails the rows stay
 * unsent; if marking fails after publishing, the next pass publishes again and the job id
 * (= event id) plus the consumers' inbox make that harmless.
 */
export class OutboxStore {
  constructor(private readonly ds: DataSource) {}

  async relayBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const rows: OutboxRow[] = await qr.query(
        `SELECT id::text, event_id, event_type, aggregate_type, aggregate_id, payload, metadata, priority, created_at
         FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length) {
        await publish(rows);
        await qr.query(`UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      }
      await qr.commitTransaction();
      return rows.length;
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }

  /**
   * After Redis lost its data: events already marked sent may never have been consumed.
   * Marks as unsent every row since `since` that some consumer has not handled, so the relay
   * publishes it again; inboxes keep the effect single.
   */
  async requeueUnhandled(consumers: readonly string[], since: Date, types: readonly string[] | null = null): Promise<number> {
    const res = await this.ds.query(
      `UPDATE outbox o SET sent_at = NULL
       WHERE o.sent_at IS NOT NULL AND o.created_at >= $2 AND ($3::text[] IS NULL OR o.event_type = ANY($3::text[]))
         AND (SELECT count(*) FROM inbox i WHERE i.event_id = o.event_id AND i.consumer = ANY($1::text[])) < cardinality($1::text[])`,
      [consumers, since, types],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  async backlog(): Promise<{ unsent: number; oldestMs: number }> {
    const [r] = await this.ds.query(
      `SELECT count(*)::int AS n, coalesce(extract(epoch from now() - min(created_at)) * 1000, 0)::float AS age FROM outbox WHERE sent_at IS NULL`,
    );
    return { unsent: r.n, oldestMs: r.age };
  }
}
