import { Injectable, Logger } from '@nestjs/common';
import { LeaderDuty } from './leader-duty';

const BATCH = 5000;
/** At most this many batches per table per pass: a pass never holds the database for long. */
const MAX_BATCHES = 40;

/**
 * Prunes the bookkeeping tables by age and keeps the month partitions made ahead, a leader duty.
 * The audit log is never pruned here (it is insert-only; a closed month leaves only by archive and
 * detach, npm run audit:archive). The windows are bounded below by configuration so that pruning
 * never undoes a guarantee:
 * - partitions: audit_log and outbox months from this one to PARTITIONS_AHEAD_MONTHS ahead exist
 *   (bedlink_ensure_partitions; rows of a month without one wait in the DEFAULT partition);
 * - outbox: whole months dropped once their month ended more than OUTBOX_RETENTION_MS ago and
 *   none of their rows is unsent (≥ the sweeper's look-back); rows that landed in the DEFAULT
 *   partition are deleted row by row on the same terms;
 * - inbox: older than INBOX_RETENTION_MS (≥ the look-back and the 7 days a dead letter is kept, so
 *   no event that can still be redelivered loses the row that makes it harmless);
 * - command_log: older than COMMAND_LOG_RETENTION_MS (a retry with the same Idempotency-Key after
 *   that runs again), never a row a pending 202 command still waits on.
 */
@Injectable()
export class RetentionPruner extends LeaderDuty {
  private readonly log = new Logger('Retention');

  protected schedule() {
    return { name: 'retention', everyMs: this.cfg.RETENTION_INTERVAL_MS };
  }

  protected async runOnce(): Promise<void> {
    const made = await this.ensurePartitions();
    if (made.length) this.log.log(`created partitions ${made.join(', ')}`);
    const r = await this.prune();
    if (r.outbox + r.inbox + r.commandLog)
      this.log.log(
        `pruned ${r.outbox} outbox${r.droppedPartitions.length ? ` (dropped ${r.droppedPartitions.join(', ')})` : ''}, ${r.inbox} inbox, ${r.commandLog} command_log row(s)`,
      );
  }

  /** This month's partitions and PARTITIONS_AHEAD_MONTHS more (idempotent); answers the ones created. */
  async ensurePartitions(): Promise<string[]> {
    const rows: { p: string }[] = await this.ds.query(
      `SELECT p FROM bedlink_ensure_partitions(bedlink_month_of(now()), (bedlink_month_of(now()) + make_interval(months => $1))::date) AS p`,
      [this.cfg.PARTITIONS_AHEAD_MONTHS],
    );
    return rows.map((r) => r.p);
  }

  async prune(): Promise<{ outbox: number; inbox: number; commandLog: number; droppedPartitions: string[] }> {
    const secs = (ms: number) => ms / 1000;
    const dropped: { part: string; rows: string }[] = await this.ds.query(
      `SELECT part, rows::text FROM bedlink_drop_outbox_partitions(now() - make_interval(secs => $1))`,
      [secs(this.cfg.OUTBOX_RETENTION_MS)],
    );
    return {
      droppedPartitions: dropped.map((d) => d.part),
      outbox:
        dropped.reduce((n, d) => n + Number(d.rows), 0) +
        (await this.batches(
          `DELETE FROM outbox_default WHERE id IN (SELECT id FROM outbox_default WHERE created_at < now() - make_interval(secs => $1) AND sent_at IS NOT NULL LIMIT ${BATCH})`,
          secs(this.cfg.OUTBOX_RETENTION_MS),
        )),
      inbox: await this.batches(
        `DELETE FROM inbox WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM inbox WHERE handled_at < now() - make_interval(secs => $1) LIMIT ${BATCH})`,
        secs(this.cfg.INBOX_RETENTION_MS),
      ),
      commandLog: await this.batches(
        `DELETE FROM command_log WHERE id IN (SELECT c.id FROM command_log c WHERE c.created_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (SELECT 1 FROM pending_commands p WHERE p.id = c.id) LIMIT ${BATCH})`,
        secs(this.cfg.COMMAND_LOG_RETENTION_MS),
      ),
    };
  }

  private async batches(sql: string, secs: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      // TypeORM answers a DELETE with [rows, count]
      const [, n] = await this.ds.query(sql, [secs]);
      total += Number(n ?? 0);
      if (Number(n ?? 0) < BATCH) break;
    }
    return total;
  }
}
