import { Logger } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, Queue, WorkerOptions } from 'bullmq';
import { EnvConfig } from '@bedlink/config';
import { DeadLetterJob, deadLetterJobId, EventJob, isPackedEvents, jobOptions, QueueName } from '@bedlink/messaging';
import { isDatabaseUnavailable } from '@bedlink/persistence';

/** How long an event waits for the database to come back, without spending an attempt. */
const OUTAGE_DELAY_MS = 1000;

type LockOptions = Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'>;
const lockOptions = (ms: number): LockOptions => ({ lockDuration: ms, stalledInterval: Math.max(1000, Math.floor(ms / 2)) });

/**
 * The worker options the @Processor decorators hold, by reference. Decorators are evaluated at
 * import time, before the configuration is loaded: configureWorkers() writes the configured lock
 * into these objects in WorkerModule.forRoot, before Nest creates the workers (BullMQ reads the
 * lock options once, when a worker is made).
 */
const eventWorkers: Partial<WorkerOptions>[] = [];
const commandWorker: Partial<WorkerOptions> = { concurrency: 16, ...lockOptions(30_000), maxStalledCount: 3 };

/**
 * Worker options of an event consumer. A job whose worker died is "stalled"; BullMQ fails it for
 * good after maxStalledCount stalls (default 1), which for an event means an effect silently never
 * applied. Crashes are not the event's fault: let it be taken over as often as workers die.
 */
export function eventWorker(concurrency: number): Partial<WorkerOptions> {
  const o: Partial<WorkerOptions> = { concurrency, ...lockOptions(30_000), maxStalledCount: 1000 };
  eventWorkers.push(o);
  return o;
}

/** Worker options of the command processor (a command may stall 3 times, then it fails). */
export function commandWorkerOptions(): Partial<WorkerOptions> {
  return commandWorker;
}

/** Applies EVENT_LOCK_MS / COMMAND_LOCK_MS / COMMAND_CONCURRENCY to every worker declared above. */
export function configureWorkers(cfg: Pick<EnvConfig, 'EVENT_LOCK_MS' | 'COMMAND_LOCK_MS' | 'COMMAND_CONCURRENCY'>): void {
  for (const o of eventWorkers) Object.assign(o, lockOptions(cfg.EVENT_LOCK_MS));
  Object.assign(commandWorker, lockOptions(cfg.COMMAND_LOCK_MS), { concurrency: cfg.COMMAND_CONCURRENCY });
}

/**
 * The one host of every event consumer (projections, KPIs, timers, webhook fan-out and delivery):
 * - the same worker options (eventWorker: stall tolerance, configured lock);
 * - an outage (database unavailable) delays the job without spending an attempt, so only jobs
 *   that fail on their own ever reach the dead-letter queue;
 * - the retry budget is the job's own (attempts and backoff from JOBS, set by the producer);
 * - a job that used its last attempt, or was refused for good (UnrecoverableError), is copied to
 *   the dead-letter queue as a DeadLetterJob, which redriveDeadLetters() puts back on `source`.
 * Subclasses write handle(); the routing (which types reach which queue) is CONSUMERS.
 */
export abstract class EventConsumer<D = unknown, R = unknown> extends WorkerHost {
  protected readonly log: Logger;

  protected constructor(
    protected readonly source: QueueName,
    private readonly deadLetters: Queue<DeadLetterJob>,
  ) {
    super();
    this.log = new Logger(new.target.name);
  }

  protected abstract handle(job: Job<D>): Promise<R>;

  /**
   * Whether a failure is an outage of the database rather than the job's own fault. A consumer
   * whose job talks to something else (a webhook receiver) narrows it: a receiver's
   * "connect ECONNREFUSED" reads like a database outage but must spend an attempt.
   */
  protected isOutage(e: unknown): boolean {
    return isDatabaseUnavailable(e);
  }

  /** Called once a dead letter is filed (counters, a louder log). */
  protected async deadLettered(_job: Job<D>, _entry: DeadLetterJob): Promise<void> {}

  async process(job: Job<D>, token?: string): Promise<R> {
    try {
      return await this.handle(job);
    } catch (e) {
      if (token && this.isOutage(e)) {
        await job.moveToDelayed(Date.now() + OUTAGE_DELAY_MS, token);
        throw new DelayedError();
      }
      throw e;
    }
  }

  /**
   * Its failure in the source queue is kept as well (the redrive retries that job). Other jobs of
   * the queue were never blocked: BullMQ retries with backoff while the next jobs run.
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<D> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err?.name === 'UnrecoverableError';
    if (!final) return;
    const entry: DeadLetterJob = {
      source: this.source,
      jobId: String(job.id),
      name: job.name,
      data: job.data,
      attempts: job.attemptsMade,
      lastError: err?.message ?? String(err),
      failedAt: new Date().toISOString(),
    };
    try {
      await this.deadLetters.add('dead-letter', entry, jobOptions('dead-letter', { jobId: deadLetterJobId(this.source, entry.jobId) }));
      this.log.error(`${this.source} job ${job.id} (${job.name}) dead-lettered after ${entry.attempts} attempt(s): ${entry.lastError}`);
      await this.deadLettered(job, entry);
    } catch (e) {
      this.log.error(`could not dead-letter ${this.source} job ${job.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

interface Waiting<E, R> {
  event: E;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/** What a packed job answers: each event's result, or null for one split off into its own job. */
export interface PackedResult<R> {
  results: (R | null)[];
  split: string[];
}

/**
 * A consumer that handles together the events this process holds: BullMQ fetches every waiting job
 * up to the worker's concurrency before it starts processing them, so the jobs of one relay pass
 * reach process() in the same turn of the event loop, and handleBatch() gets all their events in one
 * call (one transaction, the inbox rows in one statement). A job is one event or a packed block of
 * them (PackedEventsJob, PACKED_QUEUES). One batch runs at a time per consumer and process; events
 * that arrive meanwhile form the next one, so under load a batch grows with the backlog (group
 * commit) and when idle an event waits for nothing.
 *
 * The fault guarantees are the single job's: every job of a batch stays active in BullMQ until
 * the batch's transaction commits, so a worker killed mid-batch leaves jobs that stall and run
 * again, and the inbox rows written in that transaction keep the effect single. A batch that fails
 * for its own reasons (a poison event, a deadlock between two workers' batches) is handled again
 * one event at a time. An event of a packed job that fails then is split off into its own job (job
 * id = event id, the packed job's budget) and the packed job completes, so one bad event spends
 * only its own attempts and holds up no other. An outage fails every job of the batch as an outage
 * (delayed, no attempt spent).
 */
export abstract class BatchEventConsumer<E extends { eventId: string; type: string } = EventJob, R = unknown> extends EventConsumer<
  E | { events: E[] },
  R | PackedResult<R>
> {
  private waiting: Waiting<E, R>[] = [];
  private busy = false;

  protected constructor(
    source: QueueName,
    deadLetters: Queue<DeadLetterJob>,
    /** The source queue itself: an event split off a packed job is added to it. */
    private readonly own: Pick<Queue, 'addBulk'>,
  ) {
    super(source, deadLetters);
  }

  /** The effects of events, each in the same statement or transaction as its inbox row; one result per event, in order. */
  protected abstract handleBatch(events: E[]): Promise<R[]>;

  protected async handle(job: Job<E | { events: E[] }>): Promise<R | PackedResult<R>> {
    if (!isPackedEvents(job.data)) return this.enqueue(job.data as E);
    const events = job.data.events as E[];
    const settled = await Promise.allSettled(events.map((e) => this.enqueue(e)));
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ event: events[i], error: s.reason as unknown }] : []));
    const outage = failed.find((f) => this.isOutage(f.error));
    // the whole job waits for the database (the events already applied are in the inbox)
    if (outage) throw outage.error;
    if (failed.length) {
      const { attempts, backoff, removeOnComplete, removeOnFail } = job.opts;
      await this.own.addBulk(
        failed.map(({ event }) => ({ name: event.type, data: event, opts: { attempts, backoff, removeOnComplete, removeOnFail, jobId: event.eventId } })),
      );
      this.log.warn(
        `${failed.length} of ${events.length} events of job ${job.id} failed; split off into their own jobs (${failed[0].error instanceof Error ? failed[0].error.message : String(failed[0].error)})`,
      );
    }
    return { results: settled.map((s) => (s.status === 'fulfilled' ? s.value : null)), split: failed.map((f) => f.event.eventId) };
  }

  private enqueue(event: E): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length === 1 && !this.busy) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting;
        this.waiting = [];
        await this.runBatch(batch);
      }
    } finally {
      this.busy = false;
    }
  }

  private async runBatch(waiting: Waiting<E, R>[]): Promise<void> {
    // One event twice in a batch (a packed job and its copy sent again after a relay crash, both waiting):
    // handled once, both answered with its result. The inbox keeps repeats across batches single; within
    // one statement it could not, since both copies would see the same fresh inbox row.
    const byId = new Map<string, Waiting<E, R>[]>();
    for (const w of waiting) {
      const same = byId.get(w.event.eventId);
      if (same) same.push(w);
      else byId.set(w.event.eventId, [w]);
    }
    const batch = [...byId.values()];
    const settle = (ws: Waiting<E, R>[], r: { ok: true; value: R } | { ok: false; error: unknown }) => {
      for (const w of ws) {
        if (r.ok) w.resolve(r.value);
        else w.reject(r.error);
      }
    };
    try {
      const out = await this.handleBatch(batch.map((ws) => ws[0].event));
      batch.forEach((ws, i) => settle(ws, { ok: true, value: out[i] }));
      return;
    } catch (e) {
      if (batch.length === 1 || this.isOutage(e)) {
        for (const ws of batch) settle(ws, { ok: false, error: e });
        return;
      }
      this.log.warn(`batch of ${batch.length} failed (${e instanceof Error ? e.message : String(e)}); handling its events one by one`);
    }
    for (const ws of batch) {
      try {
        const [r] = await this.handleBatch([ws[0].event]);
        settle(ws, { ok: true, value: r });
      } catch (e) {
        settle(ws, { ok: false, error: e });
      }
    }
  }
}
