import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig, webhooksMayTargetPrivate } from '@bedlink/config';
import {
  DeadLetterJob,
  EventJob,
  HOST_RESOLVER,
  HostResolver,
  involvedInstitutions,
  jobOptions,
  postPinned,
  QUEUES,
  resolveWebhookTarget,
  signWebhook,
  webhookBody,
  webhookCountersKey,
  WebhookDeliveryJob,
  webhookDeliveryJobId,
} from '@bedlink/messaging';
import { handleOnce, PII_CIPHER, PiiCipher, WebhookSubscriptions } from '@bedlink/persistence';
import { EventConsumer, eventWorker } from './consumers/event-consumer';

type Counter = 'delivered' | 'failed_attempts' | 'dead_lettered' | 'dropped';

/** The receiver (not our database) failed: an attempt spent, whatever the message says. */
class ReceiverError extends Error {}

/** Counts into a Redis hash so the API's /metrics reports what every worker process did. */
async function count(queue: Queue, prefix: string, field: Counter): Promise<void> {
  const redis = (await queue.client) as unknown as { hincrby(k: string, f: string, n: number): Promise<number> };
  await redis.hincrby(webhookCountersKey(prefix), field, 1).catch(() => undefined);
}

/**
 * Fan-out: for each event, one delivery job per live subscription of an involved institution that
 * wants the type. The jobs are added inside the inbox transaction: if the commit fails the event is
 * retried and the job ids (subscription-event) keep the deliveries single.
 */
@Processor(QUEUES.webhookEvents, eventWorker(4))
export class WebhookFanoutProcessor extends EventConsumer<EventJob, { deliveries: number }> {
  private readonly subs: WebhookSubscriptions;

  constructor(
    private readonly ds: DataSource,
    @Inject(PII_CIPHER) cipher: PiiCipher,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @InjectQueue(QUEUES.webhookDeliveries) private readonly deliveries: Queue<WebhookDeliveryJob>,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
  ) {
    super(QUEUES.webhookEvents, dlq);
    this.subs = new WebhookSubscriptions(ds, cipher);
  }

  protected async handle(job: Job<EventJob>): Promise<{ deliveries: number }> {
    const e = job.data;
    let n = 0;
    await handleOnce(this.ds, 'webhooks', e.eventId, async (em) => {
      const targets = await this.subs.matching(em, involvedInstitutions(e.payload), e.type);
      if (!targets.length) return;
      const body = webhookBody(e);
      await this.deliveries.addBulk(
        targets.map((s) => ({
          name: e.type,
          data: { subscriptionId: s.id, eventId: e.eventId, eventType: e.type, correlationId: e.metadata?.correlationId ?? null, body },
          opts: jobOptions('webhook-delivery', { jobId: webhookDeliveryJobId(s.id, e.eventId) }, this.cfg),
        })),
      );
      n = targets.length;
    });
    return { deliveries: n };
  }
}

/**
 * One signed POST per attempt. Any answer but 2xx (or a timeout) is a failure that BullMQ retries
 * with exponential backoff; the last failure also puts the job, with its last error, on the
 * dead-letter queue. The secret is read from Postgres on each attempt and never enters Redis.
 */
@Processor(QUEUES.webhookDeliveries, eventWorker(8))
export class WebhookDeliveryProcessor extends EventConsumer<WebhookDeliveryJob, { status: number } | { dropped: true }> {
  private readonly subs: WebhookSubscriptions;

  constructor(
    ds: DataSource,
    @Inject(PII_CIPHER) cipher: PiiCipher,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @InjectQueue(QUEUES.webhookDeliveries) private readonly deliveries: Queue,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
    @Inject(HOST_RESOLVER) private readonly resolver: HostResolver,
  ) {
    super(QUEUES.webhookDeliveries, dlq);
    this.subs = new WebhookSubscriptions(ds, cipher);
  }

  onModuleInit(): void {
    // the decorator's value is static; the configured one wins once the worker exists
    this.worker.concurrency = this.cfg.WEBHOOK_CONCURRENCY;
  }

  protected async handle(job: Job<WebhookDeliveryJob>): Promise<{ status: number } | { dropped: true }> {
    const d = job.data;
    const target = await this.subs.target(d.subscriptionId);
    if (!target) {
      await count(this.deliveries, this.cfg.QUEUE_PREFIX, 'dropped');
      return { dropped: true };
    }
    // Checked again at every attempt, and the checked address is the one connected to: the name may
    // resolve elsewhere than when it was registered, or between a check and a connect (DNS rebinding).
    const resolved = await resolveWebhookTarget(target.url, { resolver: this.resolver, allowPrivate: webhooksMayTargetPrivate(this.cfg) });
    if ('refused' in resolved && !resolved.retryable) {
      await count(this.deliveries, this.cfg.QUEUE_PREFIX, 'failed_attempts');
      throw new UnrecoverableError(`refused: ${resolved.refused}`);
    }
    try {
      if ('refused' in resolved) throw new Error(resolved.refused);
      const t = Math.floor(Date.now() / 1000);
      const res = await postPinned(resolved.target, {
        timeoutMs: this.cfg.WEBHOOK_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Bedlink-Webhooks/1',
          'bedlink-event-id': d.eventId,
          'bedlink-event-type': d.eventType,
          'bedlink-timestamp': String(t),
          'bedlink-signature': signWebhook(target.secret, d.body, t),
          'bedlink-delivery-attempt': String(job.attemptsMade + 1),
          ...(d.correlationId ? { 'x-correlation-id': d.correlationId } : {}),
        },
        body: d.body,
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`receiver answered ${res.status}`);
      await count(this.deliveries, this.cfg.QUEUE_PREFIX, 'delivered');
      return { status: res.status };
    } catch (e) {
      const message = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
      await count(this.deliveries, this.cfg.QUEUE_PREFIX, 'failed_attempts');
      throw new ReceiverError(message);
    }
  }

  protected override isOutage(e: unknown): boolean {
    return !(e instanceof ReceiverError) && super.isOutage(e);
  }

  /** The host filed the dead letter (after the last attempt, or at once when the target is refused). */
  protected override async deadLettered(): Promise<void> {
    await count(this.deliveries, this.cfg.QUEUE_PREFIX, 'dead_lettered');
  }
}
