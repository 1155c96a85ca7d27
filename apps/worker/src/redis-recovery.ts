import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { CONSUMERS, consumedTypes, QUEUES } from '@bedlink/messaging';
import { OutboxStore } from '@bedlink/persistence';
import { DeadlineReconciler } from './deadlines';
import { LeaderElection } from './leader';

/**
 * Redis lost its data (flush, restart without persistence) if our epoch key is gone: events sent
 * but not yet handled are sent again and deadlines re-armed. A leader duty: one worker repairs,
 * the others would only repeat the same requeue. Losing the last seconds of writes (a failover to
 * a lagging replica) leaves the epoch key in place: the lost-write sweeper covers that.
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

  async checkEpoch(): Promise<void> {
    const redis = await this.projections.client;
    const key = `${this.cfg.QUEUE_PREFIX}:bedlink-epoch`;
    const set = await (redis as unknown as { set(k: string, v: string, mode: 'NX'): Promise<string | null> }).set(key, new Date().toISOString(), 'NX');
    if (set !== 'OK') return;
    const since = new Date(Date.now() - 24 * 3600_000);
    let requeued = 0;
    // The relay routes to the webhook fan-out only events some subscriber wants: with no live
    // subscription, a missing webhooks inbox row is no lost event.
    const [{ n: subscriptions }] = await this.store.query(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE active`);
    for (const c of CONSUMERS.filter((x) => x.inbox && (x.queue !== QUEUES.webhookEvents || subscriptions > 0)))
      requeued += await this.store.requeueUnhandled([c.name], since, consumedTypes(c));
    const rearmed = await this.deadlines.rearmAll();
    this.log.log(`redis epoch (re)started: ${requeued} sent-but-unhandled events requeued, ${rearmed} deadlines re-armed`);
  }
}
