import { JobsOptions } from 'bullmq';
import { EventJob, PackedEventsJob, QUEUES, QueueName } from './catalogue';

/** The configured retry budgets (EnvConfig has them; messaging does not depend on config). */
export interface RetryBudget {
  EVENT_RETRY_ATTEMPTS: number;
  EVENT_RETRY_BACKOFF_MS: number;
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_BACKOFF_MS: number;
}

/** Events are copied to every queue whose consumer wants their type (CONSUMERS, queuesFor). */
export const ROUTED = 'routed-by-consumers';

export interface JobSpec {
  queue: QueueName | typeof ROUTED;
  /** Default options; a budgeted job takes its attempts and backoff from the configuration. */
  options(budget?: RetryBudget): JobsOptions;
}

const DAY_S = 24 * 3600;
const need = (b: RetryBudget | undefined, job: string): RetryBudget => {
  if (!b) throw new Error(`job ${job} takes its retry budget from the configuration`);
  return b;
};

function eventOptions(b: RetryBudget | undefined, job: string): JobsOptions {
  const { EVENT_RETRY_ATTEMPTS, EVENT_RETRY_BACKOFF_MS } = need(b, job);
  return {
    attempts: EVENT_RETRY_ATTEMPTS,
    backoff: { type: 'exponential', delay: EVENT_RETRY_BACKOFF_MS },
    removeOnComplete: { age: 3600, count: 50_000 },
    removeOnFail: { age: 7 * DAY_S },
  };
}

/**
 * Every job the engine enqueues: its name, its queue and its default options. Producers take both
 * from here (jobOptions), so retries, retention and names are decided in one place. Command, event
 * and delivery jobs are named by the command or event type they carry (that is what Bull Board
 * shows); the other jobs are named by their key.
 */
export const JOBS = {
  /** A client's command (API): retried on infrastructure errors, results kept a day. */
  command: {
    queue: QUEUES.commands,
    options: () => ({
      attempts: 6,
      backoff: { type: 'exponential', delay: 250 },
      removeOnComplete: { age: DAY_S, count: 200_000 },
      removeOnFail: { age: 7 * DAY_S },
    }),
  },
  /** ExpireOffer / ExpireReservation issued by a deadline that fell due. */
  'expire-command': {
    queue: QUEUES.commands,
    options: () => ({ attempts: 6, backoff: { type: 'exponential', delay: 250 }, removeOnComplete: { age: DAY_S }, removeOnFail: { age: 7 * DAY_S } }),
  },
  /** WarnOfferDeadline / LapseReturnHold: a notice the watchdog issues again if it is lost. */
  'notice-command': { queue: QUEUES.commands, options: () => ({ attempts: 3, removeOnComplete: { age: 3600 } }) },
  /** Delayed job armed per offer / hold; it enqueues the expire command when it falls due. */
  'expire-offer': {
    queue: QUEUES.deadlines,
    options: () => ({ attempts: 5, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: DAY_S } }),
  },
  'expire-reservation': {
    queue: QUEUES.deadlines,
    options: () => ({ attempts: 5, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: DAY_S } }),
  },
  /** Delayed job at the end of a booked transport's pickup window: flags a no-show if the patient never left. */
  'transport-no-show': {
    queue: QUEUES.deadlines,
    options: () => ({ attempts: 5, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: DAY_S } }),
  },
  /** OfferFromWaitingList issued when a bed frees: harmless if repeated (the dispatcher re-checks under its locks). */
  'waiting-list-command': {
    queue: QUEUES.commands,
    options: () => ({ attempts: 6, backoff: { type: 'exponential', delay: 250 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * DAY_S } }),
  },
  /** Delayed job at a fraction of an offer's window: warns the receiver. */
  'warn-offer': { queue: QUEUES.deadlines, options: () => ({ attempts: 3, removeOnComplete: { age: 3600 } }) },
  /** An outbox row relayed to a consumer queue (job id = event id). */
  event: { queue: ROUTED, options: (b?: RetryBudget) => eventOptions(b, 'event') },
  /**
   * Events of one relay pass packed for a batch consumer's queue (PackedEventsJob, job id =
   * packedEventsJobId): the same budget as one event; an event of it that fails on its own is split
   * off into its own `event` job, so it spends only its own attempts.
   */
  'event-batch': { queue: ROUTED, options: (b?: RetryBudget) => eventOptions(b, 'event-batch') },
  /** One signed POST per (subscription, event). */
  'webhook-delivery': {
    queue: QUEUES.webhookDeliveries,
    options: (b?: RetryBudget) => {
      const { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_BACKOFF_MS } = need(b, 'webhook-delivery');
      return {
        attempts: WEBHOOK_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: WEBHOOK_BACKOFF_MS },
        removeOnComplete: { age: DAY_S },
        removeOnFail: { age: 7 * DAY_S },
      };
    },
  },
  /** Hourly copy of the bed board for the dashboard's 30-day history (a job scheduler; idempotent per hour). */
  'board-snapshot': { queue: QUEUES.deadlines, options: () => ({ attempts: 3, removeOnComplete: { count: 50 }, removeOnFail: { age: DAY_S } }) },
  /** A job that used its last attempt; nobody consumes it (operators look, then redrive). */
  'dead-letter': { queue: QUEUES.deadLetter, options: () => ({ removeOnComplete: false, removeOnFail: false }) },
} as const satisfies Record<string, JobSpec>;

export type JobName = keyof typeof JOBS;
export type BudgetedJob = 'event' | 'event-batch' | 'webhook-delivery';

/** A job's default options with this call's own (job id, delay, priority) on top. */
export function jobOptions(name: Exclude<JobName, BudgetedJob>, own?: JobsOptions): JobsOptions;
export function jobOptions(name: BudgetedJob, own: JobsOptions, budget: RetryBudget): JobsOptions;
export function jobOptions(name: JobName, own: JobsOptions = {}, budget?: RetryBudget): JobsOptions {
  return { ...JOBS[name].options(budget), ...own };
}

/**
 * Queues whose consumer handles its jobs as batches (a BatchEventConsumer): the relay packs the events
 * a pass sends to one of them into PackedEventsJobs. The other consumers take one event per job.
 */
export const PACKED_QUEUES: readonly QueueName[] = [QUEUES.projections, QUEUES.kpiEvents];

/** Outbox ids per packing block: a packed job holds the events of one relay pass whose outbox ids share a block. */
export const PACK_BLOCK = 100n;

/**
 * The id of a packed job: the claim's time and the first event it holds. The lost-write sweeper finds it
 * from any of its rows (the first row of the same claim and block that goes to the queue), without a
 * record of it. A row sent again is claimed again, at a new time, so its new job never collides with
 * the old one, and no two claims share a first event.
 */
export function packedEventsJobId(sentAtUs: string, firstEventId: string): string {
  return `events-${sentAtUs}-${firstEventId}`;
}

/** An event to relay, with where it came from in the outbox. */
export interface RelayedEvent {
  outboxId: string;
  /** The claim's sent_at in microseconds since the epoch (SENT_AT_US in the claim). */
  sentAtUs: string;
  data: EventJob;
}

/**
 * The jobs that carry a pass's events to one queue, in outbox order: one job per event, or, for a
 * packed queue, one job per block of outbox ids (a block holding a single event stays a plain event
 * job under the event's id, as before packing).
 */
export function eventJobsFor(
  queue: QueueName,
  events: readonly RelayedEvent[],
  budget: RetryBudget,
): { name: string; data: EventJob | PackedEventsJob; opts: JobsOptions }[] {
  const single = (e: RelayedEvent) => ({ name: e.data.type, data: e.data, opts: jobOptions('event', { jobId: e.data.eventId }, budget) });
  if (!PACKED_QUEUES.includes(queue)) return events.map(single);
  const jobs: ReturnType<typeof eventJobsFor> = [];
  const block = (e: RelayedEvent) => `${e.sentAtUs}/${BigInt(e.outboxId) / PACK_BLOCK}`;
  for (let i = 0; i < events.length;) {
    let j = i + 1;
    while (j < events.length && block(events[j]) === block(events[i])) j++;
    if (j - i === 1) jobs.push(single(events[i]));
    else
      jobs.push({
        name: 'event-batch',
        data: { events: events.slice(i, j).map((e) => e.data) },
        opts: jobOptions('event-batch', { jobId: packedEventsJobId(events[i].sentAtUs, events[i].data.eventId) }, budget),
      });
    i = j;
  }
  return jobs;
}
