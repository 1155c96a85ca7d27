import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { CONSUMERS, consumedTypes, QUEUES } from '@bedlink/messaging';
import { OPEN_TRANSACTIONS, OutboxStore, waitForTransactions } from '@bedlink/persistence';
import { DeadlineReconciler } from './deadlines';
import { LeaderElection } from './leader';

/** How long a repair waits for the transactions open when it found the epoch gone (a relay's claim lasts milliseconds). */
const OPEN_CLAIMS_WAIT_MS = 10_000;

/**
 * Redis lost its data (flush, restart without persistence) if our epoch key is gone: events sent
 * but not yet handled are sent again and deadlines re-armed. A leader duty: one worker repairs,
 * the others would only repeat the same requeue. Each relay also awaits one check before its first
 * pass (SET NX keeps the repair to the one worker that found the key gone). Losing the last seconds
 * of writes (a failover to a lagging replica) leaves the epoch key in place: the lost-write sweeper
 * covers that.
 */
@Injectable()
export class RedisRecovery implements OnModuleInit {
  private readonly log = new Logger('RedisRecovery');
  private readonly store: OutboxStore;

  constructor(
    ds: DataSource,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly deadlines: DeadlineReconciler,
    private readonly leader: LeaderElection,
    @InjectQueue(QUEUES.projections) private readonly projections: Queue,
  ) {
    this.store = new OutboxStore(ds);
  }

  onModuleInit(): void {
    this.leader.register({ name: 'redis-loss-recovery', everyMs: this.cfg.REDIS_LOSS_CHECK_MS, run: () => this.checkEpoch() });
  }

  /**
   * Checks the epoch, and repairs when it is gone. Concurrent calls share one check: the relay awaits it
   * before its first pass, and a pass that went on while the leader's check was requeueing would publish
   * rows that the check then marks unsent, so they would go out twice.
   */
  checkEpoch(): Promise<void> {
    return (this.checking ??= this.check().finally(() => (this.checking = undefined)));
  }

  private checking?: Promise<void>;

  private async check(): Promise<void> {
    const redis = await this.projections.client;
    const key = `${this.cfg.QUEUE_PREFIX}:bedlink-epoch`;
    const set = await (redis as unknown as { set(k: string, v: string, mode: 'NX'): Promise<string | null> }).set(key, new Date().toISOString(), 'NX');
    if (set !== 'OK') return;
    try {
      // Only rows sent before the epoch was found gone can have lost their jobs: a row claimed since went to
      // the Redis that now holds the new epoch. Without this bound, another worker's relay publishing meanwhile
      // had its rows marked unsent and sent again (Postgres's clock, the one sent_at is written with, as text:
      // a Date would drop its microseconds).
      const [{ at, open }] = await this.store.query(`SELECT now()::text AS at, ${OPEN_TRANSACTIONS} AS open`);
      // A relay's claim still open (its batch published to the Redis that was lost, its COMMIT held up while a
      // broadcast waited for Redis to come back) holds its rows unsent in every snapshot until it commits: the
      // requeue passed over them and they stayed sent, their jobs gone (a fault run saw bed-board events
      // unhandled for over a minute). Those transactions end first; one open for longer is passed by, as before.
      const still = await waitForTransactions((sql, p) => this.store.query(sql, p), open as string[], OPEN_CLAIMS_WAIT_MS);
      if (still.length) this.log.warn(`${still.length} transaction(s) still open after ${OPEN_CLAIMS_WAIT_MS / 1000} s: rows they claimed are not requeued`);
      const since = new Date(Date.now() - 24 * 3600_000);
      let requeued = 0;
      // The relay routes to the webhook fan-out only events some subscriber wants: with no live
      // subscription, a missing webhooks inbox row is no lost event.
      const [{ n: subscriptions }] = await this.store.query(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE active`);
      for (const c of CONSUMERS.filter((x) => x.inbox && (x.queue !== QUEUES.webhookEvents || subscriptions > 0)))
        requeued += await this.store.requeueUnhandled([c.name], since, consumedTypes(c), at as string);
      const rearmed = await this.deadlines.rearmAll();
      this.log.log(`redis epoch (re)started: ${requeued} sent-but-unhandled events requeued, ${rearmed} deadlines re-armed`);
    } catch (e) {
      // The key was set and the repair did not finish (Postgres cut, a statement timeout): with the key left in
      // place, no later check would see the loss. Taken away, the next check (this relay's next pass, or the
      // leader's next beat) repairs again; a repeat only marks unsent what inboxes then keep single.
      await (redis as unknown as { del(k: string): Promise<number> }).del(key).catch(() => undefined);
      throw e;
    }
  }
}
