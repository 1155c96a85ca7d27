import { Actor, CommandName } from '@bedlink/domain';

/**
 * Queue catalogue. Stable string names (never class names): they live in Redis across deploys.
 * BullMQ queues are work queues, not topics, so the outbox relay copies each event to every
 * consumer group's queue; each consumer records handled event ids in the inbox.
 */
export const QUEUES = {
  commands: 'commands',
  projections: 'events-projections',
  timers: 'events-timers',
  deadlines: 'deadlines',
  deadLetter: 'dead-letter',
  /** Events for the webhook fan-out (one delivery job per matching subscription). */
  webhookEvents: 'events-webhooks',
  /** Events for the referral KPI projection read by /metrics. */
  kpiEvents: 'events-kpis',
  /** One job per (subscription, event): signed POST with retries, dead-lettered after the last. */
  webhookDeliveries: 'webhook-deliveries',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Every queue the engine uses: the dashboard and /metrics show them all. */
export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUES);

export interface CommandJob {
  type: CommandName;
  payload: Record<string, unknown>;
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  submittedAt: string;
  /** Hash of type + payload: the same idempotency key with a different body is refused. */
  fingerprint: string;
}

export interface CommandError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
export type CommandOutcome = ({ ok: true; result: Record<string, unknown> } | { ok: false; error: CommandError }) & { fingerprint?: string };

export interface EventJob {
  eventId: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  metadata: {
    actor: Actor;
    correlationId: string;
    causationId: string | null;
    commandId: string;
    occurredAt: string;
    aggregateSeq: number;
    reason: string | null;
  };
  /** Commit → relay timestamps, for the e2e latency figure. */
  committedAt: string;
}

/**
 * Several events for one consumer queue in one job: the relay packs the events of a pass that go to
 * a batch consumer's queue (PACKED_QUEUES), so one BullMQ job (one add, one fetch, one completion)
 * carries up to a block of them. Events keep their outbox order inside the job.
 */
export interface PackedEventsJob {
  events: EventJob[];
}

export function isPackedEvents(data: unknown): data is PackedEventsJob {
  return typeof data === 'object' && data !== null && Array.isArray((data as PackedEventsJob).events);
}

export interface DeadlineJob {
  referralId: string;
  offerId?: string;
  reservationId?: string;
  dueAt: string;
}

/** BullMQ refuses ':' in custom ids; keep ids readable and collision-free. */
export function deadlineJobId(kind: 'offer' | 'reservation' | 'transport', id: string): string {
  return `${kind}-deadline-${id}`;
}

/** A webhook delivery: the body is fixed when the job is made, so every retry sends the same bytes. */
export interface WebhookDeliveryJob {
  subscriptionId: string;
  eventId: string;
  eventType: string;
  correlationId: string | null;
  body: string;
}

/**
 * What lands on the dead-letter queue when a job has used its last attempt (or was refused for
 * good): written by every consumer through one path (apps/worker/src/consumers), read by
 * redriveDeadLetters(), which puts `jobId` back on `source`.
 */
export interface DeadLetterJob {
  source: QueueName;
  jobId: string;
  name: string;
  data: unknown;
  /** Attempts made when it was dead-lettered. */
  attempts: number;
  lastError: string;
  failedAt: string;
}

/** One dead letter per source job: a re-run of the last attempt (stalled worker) cannot file it twice. */
export function deadLetterJobId(source: QueueName, jobId: string): string {
  return `${source}-${jobId}`;
}

/** BullMQ refuses ':' in custom ids, so a dash joins the two ids. */
export function webhookDeliveryJobId(subscriptionId: string, eventId: string): string {
  return `${subscriptionId}-${eventId}`;
}

/**
 * Redis hash each worker process writes its event loop's busy share into (field: host:pid, value JSON
 * `{ busy, at, everyMs }`); the API reads it at scrape time.
 */
export function workerLoadKey(prefix: string): string {
  return `${prefix}:bedlink-metrics:workers`;
}

/** Redis hash the delivery workers count into; the API reads it at scrape time. */
export function webhookCountersKey(prefix: string): string {
  return `${prefix}:bedlink-metrics:webhooks`;
}
