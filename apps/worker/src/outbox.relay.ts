import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig, sessionDatabaseUrl } from '@bedlink/config';
import type { LiveEvent } from '@bedlink/contracts';
import {
  DEADLINE_EVENTS,
  EventJob,
  eventJobsFor,
  liveChannelsOf,
  QUEUES,
  QueueName,
  queuesFor,
  RelayedEvent,
  WebhookRoutes,
  webhookRoutesOf,
  wantsWebhook,
} from '@bedlink/messaging';
import { OutboxRow, OutboxStore, RelayClaim, RelayQuery } from '@bedlink/persistence';
import { DeadlineReconciler, wantsTimers } from './deadlines';
import { RedisRecovery } from './redis-recovery';

const BATCH = 1000;
/** Connect and LISTEN on the notification connection: past it, the pass polls and tries again next time. */
export const LISTEN_TIMEOUT_MS = 5000;

/**
 * Moves committed outbox rows to the consumer queues (job id = event id) in batches, woken by
 * LISTEN/NOTIFY and polling behind it. Redis-loss recovery (the epoch key) and the lost-write
 * sweeper are leader duties (redis-recovery.ts, lost-write-sweeper.ts): they only mark rows
 * unsent, and this relay sends them again. The relay awaits one epoch check itself before its first pass.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('OutboxRelay');
  private readonly store: OutboxStore;
  private readonly queues: Record<string, Queue>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: Client;
  /**
   * Which institutions have live webhook subscriptions, and for which types (null: every type).
   * Reloaded when the subscriptions' generation, read with every claim, changes: a subscription
   * created or deleted by any process reaches every relay's routing at its next batch.
   */
  private webhookRoutes?: { generation: string; byInstitution: WebhookRoutes };
  relayed = 0;
  /** Notifications received: a pass that sees this move knows rows were committed after its claim began. */
  private notifications = 0;

  constructor(
    ds: DataSource,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @InjectQueue(QUEUES.projections) projections: Queue,
    @InjectQueue(QUEUES.timers) timerEvents: Queue,
    @InjectQueue(QUEUES.webhookEvents) webhookEvents: Queue,
    @InjectQueue(QUEUES.kpiEvents) kpiEvents: Queue,
    @InjectQueue(QUEUES.deadlines) deadlines: Queue,
    private readonly timers: DeadlineReconciler,
    private readonly recovery: RedisRecovery,
  ) {
    this.store = new OutboxStore(ds);
    this.queues = {
      [QUEUES.projections]: projections,
      [QUEUES.timers]: timerEvents,
      [QUEUES.webhookEvents]: webhookEvents,
      [QUEUES.kpiEvents]: kpiEvents,
      [QUEUES.deadlines]: deadlines,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listening;
    await this.listener?.end().catch(() => undefined);
  }

  private listening?: Promise<void>;
  private relisten(): void {
    this.listening ??= this.listen().finally(() => (this.listening = undefined));
  }

  /**
   * The LISTEN connection, awaited at start-up: bounded, since a server that accepts the connection
   * and never answers (a half-dead host, a full backlog) held the relay with no timeout of pg's own.
   */
  private async listen(): Promise<void> {
    // LISTEN belongs to a session: through a pooler in transaction mode it would land on a server connection
    // that then serves other clients, and the relay would only poll (DATABASE_SESSION_URL)
    const c = new Client({ connectionString: sessionDatabaseUrl(this.cfg), connectionTimeoutMillis: LISTEN_TIMEOUT_MS, query_timeout: LISTEN_TIMEOUT_MS });
    c.on('error', () => {
      if (this.listener === c) this.listener = undefined; // polling carries on; re-listen on the next pass
      void c.end().catch(() => undefined);
    });
    try {
      await c.connect();
      await c.query('LISTEN bedlink_outbox');
      c.on('notification', () => {
        this.notifications++;
        this.wake?.();
      });
      this.listener = c;
    } catch {
      this.listener = undefined;
      void c.end().catch(() => undefined); // not awaited: on a silent server its goodbye waits too
    }
  }

  private async run(): Promise<void> {
    let backoff = 0;
    let next: { claim: Promise<RelayClaim>; seen: number } | undefined;
    // Before the first pass, Redis's epoch: at a first start, or one after Redis lost its data while no worker ran,
    // the check marks sent-but-unhandled rows unsent. A pass that ran before it (the leader's check waits for
    // the election) had its rows marked unsent too, and published them twice.
    let epochChecked = false;
    while (this.running) {
      try {
        if (!epochChecked) {
          await this.recovery.checkEpoch();
          epochChecked = true;
        }
        // not awaited: the pass polls meanwhile (one pass per timeout otherwise, while the server is silent)
        if (!this.listener) this.relisten();
        // taken before it is awaited: a claim made ahead that failed (Postgres cut or its connections
        // killed) was otherwise kept, and every later pass awaited the same rejected promise again:
        // the relay stopped for good while commands went on (the fault suite's outbox stayed unsent)
        const ahead = next;
        next = undefined;
        const seen = ahead?.seen ?? this.notifications;
        const claim = await (ahead?.claim ?? this.store.claim(BATCH));
        if (!claim.rows.length) await claim.commit();
        else {
          // More is waiting when the batch came back full or a commit notified since the claim began:
          // the next claim then runs while this batch's addBulk is in flight, and is published once
          // this one is committed, in outbox order. It takes only rows after this batch (OutboxStore.claim:
          // it must not walk rows whose claim commits meanwhile), so a row committed late below this
          // batch's last id is left to the next fresh claim: a pass claimed ahead does not claim ahead
          // itself, and such a row waits one pass at most.
          const more = (claim.rows.length === BATCH || this.notifications !== seen) && !ahead;
          const publishing = this.publish(claim.rows, claim.query, claim.webhookGeneration);
          if (more) {
            const c = this.store.claim(BATCH, claim.rows[claim.rows.length - 1].id);
            c.catch(() => undefined); // awaited on the next pass; a failure surfaces there
            next = { claim: c, seen: this.notifications };
          }
          try {
            await publishing;
            await claim.commit();
          } catch (e) {
            await claim.rollback();
            const pending = next?.claim;
            next = undefined;
            await (await pending?.catch(() => undefined))?.rollback();
            throw e;
          }
          this.relayed += claim.rows.length;
          backoff = 0;
          // a full batch, or a commit that notified while this pass ran, is not waited for until the next poll
          if (next || claim.rows.length === BATCH || this.notifications !== seen) continue;
        }
      } catch (e) {
        backoff = Math.min(backoff ? backoff * 2 : 100, 5000);
        this.log.warn(`relay pass failed (${e instanceof Error ? e.message : String(e)}); retrying in ${backoff} ms`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff || this.cfg.OUTBOX_POLL_MS);
        this.wake = () => {
          clearTimeout(t);
          // Under load every commit notifies: a few ms of gathering turns one relay pass (five
          // round trips and a Redis call) per commit into one per batch of commits.
          if (this.cfg.OUTBOX_COALESCE_MS > 0 && this.running) setTimeout(resolve, this.cfg.OUTBOX_COALESCE_MS);
          else resolve();
        };
      });
    }
    // stopped with a claim made ahead: its rows go back to unsent
    if (next) await (await next.claim.catch(() => undefined))?.rollback();
  }

  private async loadWebhookRoutes(query: RelayQuery, generation: string): Promise<WebhookRoutes> {
    if (this.webhookRoutes?.generation === generation) return this.webhookRoutes.byInstitution;
    const byInstitution = webhookRoutesOf(await query(`SELECT institution_id, event_types FROM webhook_subscriptions WHERE active`));
    this.webhookRoutes = { generation, byInstitution };
    return byInstitution;
  }

  private async publish(rows: OutboxRow[], query: RelayQuery, webhookGeneration: string): Promise<void> {
    const byQueue = new Map<QueueName, { name: string; data: unknown; opts: object }[]>();
    const add = (q: QueueName, job: { name: string; data: unknown; opts: object }) => {
      if (!byQueue.has(q)) byQueue.set(q, []);
      byQueue.get(q)!.push(job);
    };
    // the events for each consumer queue, in outbox order: packed into jobs per queue below
    const eventsFor = new Map<QueueName, RelayedEvent[]>();
    const committedAt = new Date().toISOString();
    const routes = await this.loadWebhookRoutes(query, webhookGeneration);
    for (const r of rows) {
      const data: EventJob = {
        eventId: r.event_id,
        type: r.event_type,
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        payload: r.payload,
        metadata: r.metadata as EventJob['metadata'],
        committedAt: new Date(r.created_at).toISOString() || committedAt,
      };
      for (const q of queuesFor(r.event_type)) {
        // An event goes to the webhook fan-out only when a subscriber would get it: most events have
        // none, and each was a job and a transaction of the fan-out for nothing.
        if (q === QUEUES.webhookEvents && !wantsWebhook(routes, r.event_type, r.payload)) continue;
        // likewise the timers consumer: a pause to disarm or a freed bed for the waiting list, nothing else
        if (q === QUEUES.timers && !wantsTimers(r.event_type, r.payload)) continue;
        if (!eventsFor.has(q)) eventsFor.set(q, []);
        eventsFor.get(q)!.push({ outboxId: r.id, sentAtUs: r.sent_at_us, data });
      }
      // Deadlines go with the fan-out, in the same pass: a consumer job and its transaction per
      // timer saved, and a failed pass re-sends both (job ids keep them single).
      if (DEADLINE_EVENTS.includes(r.event_type)) {
        try {
          for (const t of await this.timers.timersFor(r.event_type, r.payload, data.metadata?.occurredAt ?? data.committedAt)) add(QUEUES.deadlines, t);
        } catch (e) {
          // One district's unreadable policy must not hold every event behind it: the timers
          // consumer arms this one instead, with its retries and, at the end, a dead letter.
          this.log.warn(`timers of ${r.event_type} ${r.event_id} left to the timers consumer: ${e instanceof Error ? e.message : String(e)}`);
          const timers = eventsFor.get(QUEUES.timers) ?? [];
          if (!timers.some((e) => e.data.eventId === r.event_id)) {
            timers.push({ outboxId: r.id, sentAtUs: r.sent_at_us, data });
            eventsFor.set(QUEUES.timers, timers);
          }
        }
      }
    }
    // A batch consumer's queue gets one job per block of events (one add, fetch and completion for up to
    // a hundred events); the others one job per event.
    for (const [q, events] of eventsFor) for (const job of eventJobsFor(q, events, this.cfg)) add(q, job);
    await Promise.all([...byQueue].map(([q, jobs]) => this.queues[q].addBulk(jobs)));
    await this.broadcast(rows);
  }

  /**
   * Live feed for the console (SSE in the API): fire-and-forget pub/sub, so a lost message only
   * delays a screen until its next refresh. Never fails the batch: the queues above are the
   * durable path and a failure here must not re-relay events that were already queued.
   */
  private async broadcast(rows: OutboxRow[]): Promise<void> {
    if (!rows.length) return;
    try {
      const redis = (await this.queues[QUEUES.projections].client) as unknown as {
        pipeline(): { publish(c: string, m: string): unknown; exec(): Promise<unknown> };
      };
      // its district's channel and its institutions': API replicas subscribe only what their streams need.
      // One message per channel and pass, the pass's events for it in outbox order (an array when more
      // than one): a PUBLISH per event and channel was a thousand Redis commands for a full pass.
      const byChannel = new Map<string, LiveEvent[]>();
      for (const r of rows) {
        if (r.aggregate_type === 'Patient') continue; // patient events are nobody's live business
        const live: LiveEvent = {
          id: r.event_id,
          type: r.event_type,
          aggregateType: r.aggregate_type,
          aggregateId: r.aggregate_id,
          occurredAt: new Date(r.created_at).toISOString(),
          payload: r.payload,
        };
        for (const channel of liveChannelsOf(this.cfg.QUEUE_PREFIX, live)) {
          const on = byChannel.get(channel);
          if (on) on.push(live);
          else byChannel.set(channel, [live]);
        }
      }
      if (!byChannel.size) return;
      const pipe = redis.pipeline();
      for (const [channel, events] of byChannel) pipe.publish(channel, JSON.stringify(events.length === 1 ? events[0] : events));
      await pipe.exec();
    } catch (e) {
      this.log.warn(`live broadcast skipped (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}
