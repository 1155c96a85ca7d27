import { Injectable, Logger } from '@nestjs/common';
import { LeaderDuty } from './leader-duty';

const BATCH = 5000;
/** At most this many batches per table per pass: a pass never holds the database for long. */
const MAX_BATCHES = 40;

/**
 * Prunes the bookkeeping tables by age, a leader duty. The audit log is never pruned here (it is
 * insert-only; a closed month leaves only by archive and detach). The windows are bounded below
 * by configuration so that pruning never undoes a guarantee:
 * - outbox: only rows already sent, older than OUTBOX_RETENTION_MS (≥ the sweeper's look-back);
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
    const r = await this.prune();
    if (r.outbox + r.inbox + r.commandLog) this.log.log(`pruned ${r.outbox} outbox, ${r.inbox} inbox, ${r.commandLog} command_log row(s)`);
  }

  async prune(): Promise<{ outbox: number; inbox: number; commandLog: number }> {
    const secs = (ms: number) => ms / 1000;
    return {
      outbox: await this.batches(
        `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < now() - make_interval(secs => $1) AND sent_at IS NOT NULL LIMIT ${BATCH})`,
        secs(this.cfg.OUTBOX_RETENTION_MS),
      ),
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
