import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * outbox.created_at is the time the row is written, not the time its transaction began.
 *
 * now() is the transaction's start: a command's events were stamped before it loaded its aggregates, ran
 * the domain and waited for locks. The row is written by the flush, the command's last statement, with
 * COMMIT sent behind it in the same write (WriteBatch, UnitOfWork), so clock_timestamp() there is the
 * commit to within the flush's own execution. What reads the column wants that time:
 * - the relay hands it on as every event's `committedAt` (webhook deliveries, the live feed's occurredAt);
 * - the bench's commit → projection figure (issue 14: e2eEventP99Ms) and relay lag are measured from it,
 *   and until now counted the command's time inside its transaction as the relay's;
 * - a read of the events "since T" no longer misses an event whose transaction began before T and
 *   committed after it, unless that transaction's commit itself straddles T.
 * Partitions are by month of created_at; a row stamped a few milliseconds later than before can only land
 * in the next month's partition, which bedlink_ensure_partitions keeps made ahead.
 */
export class OutboxWrittenAt1735500000000 implements MigrationInterface {
  name = 'OutboxWrittenAt1735500000000';

  async up(q: QueryRunner): Promise<void> {
    // on the partitioned parent: inserts are routed through it, and ALTER … SET DEFAULT recurses to the partitions
    await q.query(`ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT now()`);
  }
}
