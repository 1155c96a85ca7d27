import { createHash, randomUUID } from 'node:crypto';
import { Job, JobsOptions, Queue, QueueEvents } from 'bullmq';
import { Corkable, epochMs, inOneWrite, StageMarks } from '@bedlink/config';
import { Actor, CommandName, DomainError, URGENCY_PRIORITY, Urgency } from '@bedlink/domain';
import { CommandJob, CommandOutcome } from './catalogue';
import { jobOptions } from './jobs';
import { JobSeal, SealedCommandJob, SealedOutcome } from './job-seal';
import { JobWait, waitForJobEnd } from './wait-for-job';

export type DispatchResult = { status: 'completed'; commandId: string; outcome: CommandOutcome } | { status: 'accepted'; commandId: string };

/** Whether the stored job data (JSON, as BullMQ keeps it) is the envelope this request sealed. */
function isOurs(stored: string | null, ourSealed: string): boolean {
  if (!stored) return false;
  try {
    return (JSON.parse(stored) as { sealed?: string }).sealed === ourSealed;
  } catch {
    return false;
  }
}

/** Looks a finished command up in Postgres, where results outlive Redis. */
export type CommandLogLookup = (commandId: string) => Promise<CommandOutcome | null>;

/**
 * Keeps a command answered 202 in Postgres until it is done (the worker's sweeper queues it again
 * if Redis lost it): an acknowledgement must outlive a Redis failover.
 */
export type PendingCommandStore = (c: { id: string; type: string; job: SealedCommandJob; priority: number }) => Promise<void>;

/** A command on its way to the queue: its job's id, sealed envelope, fingerprint and priority. */
interface Outgoing {
  type: CommandName;
  commandId: string;
  sealed: SealedCommandJob;
  fingerprint: string;
  priority: number;
}

export interface DispatchOptions {
  idempotencyKey?: string;
  wait: boolean;
  urgency?: Urgency;
  correlationId?: string;
  causationId?: string | null;
  /** Filled with the command's stage marks (API side and, when it waited, the worker's). */
  marks?: StageMarks;
}

/**
 * Puts commands on the BullMQ `commands` queue and (by default) waits for the worker's result.
 * The job id is derived from the client's Idempotency-Key (scoped to the caller), so a retried
 * request finds the first job, or the first result in Postgres, and never runs twice.
 */
export class CommandGateway {
  constructor(
    private readonly queue: Queue<SealedCommandJob, SealedOutcome>,
    private readonly events: QueueEvents,
    private readonly lookup: CommandLogLookup,
    private readonly timeoutMs: number,
    private readonly seal: JobSeal,
    private readonly remember?: PendingCommandStore,
  ) {}

  static commandId(actor: Actor, key: string): string {
    return (
      'c' +
      createHash('sha256')
        .update(`${actor.userId}\n${actor.institutionId ?? ''}\n${key}`)
        .digest('hex')
        .slice(0, 40)
    );
  }

  async dispatch(type: CommandName, payload: Record<string, unknown>, actor: Actor, opts: DispatchOptions): Promise<DispatchResult> {
    const commandId = opts.idempotencyKey ? CommandGateway.commandId(actor, opts.idempotencyKey) : 'c' + randomUUID().replace(/-/g, '');
    const fingerprint = createHash('sha256')
      .update(`${type}\n${JSON.stringify(payload)}`)
      .digest('hex');

    const data: CommandJob = {
      type,
      payload,
      actor,
      correlationId: opts.correlationId ?? randomUUID(),
      causationId: opts.causationId ?? null,
      submittedAt: new Date().toISOString(),
      fingerprint,
    };
    const cmd: Outgoing = { type, commandId, sealed: this.seal.seal(commandId, data), fingerprint, priority: URGENCY_PRIORITY[opts.urgency ?? 'ROUTINE'] };
    if (opts.marks) opts.marks.enqueue = epochMs();
    // Listening before the add: a job this request added cannot end unseen, so its end comes from the
    // event stream alone (wait-for-job.ts). Only a job that was already there is looked at once.
    const wait = opts.wait ? waitForJobEnd<SealedOutcome>(this.events, commandId, type, this.timeoutMs) : undefined;
    try {
      const earlier = await this.enqueue(cmd, !!opts.idempotencyKey, wait);
      if (earlier) return earlier;
      if (opts.marks) opts.marks.enqueued = epochMs();
      return await this.answer(cmd, wait, opts.marks);
    } finally {
      // every answer but the awaited result leaves the wait unused (a settled wait has stopped already)
      wait?.cancel();
    }
  }

  /**
   * Adds the command's job. With an Idempotency-Key (`keyed`) a job already there under its id is a retry
   * or a concurrent request that won the id: the outcome kept in Postgres answers then, when it is all that
   * is left; otherwise the request waits on that job like on its own (null: nothing answered yet).
   */
  private async enqueue(cmd: Outgoing, keyed: boolean, wait: JobWait<SealedOutcome> | undefined): Promise<DispatchResult | null> {
    const { type, commandId, sealed, fingerprint, priority } = cmd;
    // add() with an existing id stores nothing and hands back a Job built from *our* data. With an
    // Idempotency-Key the stored job's envelope is read back in the same round trip: ours (sealed
    // with a fresh IV) means the job is new, the common case, and nothing more is read.
    let storedEnvelope: string | null = null;
    try {
      const own = jobOptions('command', { jobId: commandId, priority });
      if (keyed) storedEnvelope = await this.addAndReadBack(type, sealed, own);
      else await this.queue.add(type, sealed, own);
    } catch {
      throw new DomainError('QUEUE_UNAVAILABLE', 'the command queue (Redis) is unreachable; try again shortly');
    }
    if (!keyed || isOurs(storedEnvelope, sealed.sealed)) return null;
    try {
      // The job already existed. Only now is it read, and Postgres asked when its outcome may be all that is left.
      const stored = await this.queue.getJob(commandId);
      const theirs = stored?.data?.fingerprint;
      if (!stored || theirs !== fingerprint) {
        const done = await this.lookup(commandId);
        if (done) {
          if (done.fingerprint && done.fingerprint !== fingerprint)
            throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different command');
          return { status: 'completed', commandId, outcome: done };
        }
        if (stored) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different command');
      }
      if (stored) {
        if (await stored.isFailed()) await stored.retry('failed');
        // it was there before this request: it may have ended before the listeners were on
        wait?.lookOnce(stored);
      }
      return null;
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw new DomainError('QUEUE_UNAVAILABLE', 'the command queue (Redis) is unreachable; try again shortly');
    }
  }

  /**
   * The worker's result when the request waits for it (`wait`), else 202. A 202 is remembered in Postgres
   * before it is answered, so nothing acknowledged lives only in Redis; after the queue took the job, so a
   * refused add leaves no row to run later unasked.
   */
  private async answer(cmd: Outgoing, wait: JobWait<SealedOutcome> | undefined, marks: StageMarks | undefined): Promise<DispatchResult> {
    const { type, commandId, sealed, priority } = cmd;
    if (!wait) {
      await this.keep({ id: commandId, type, job: sealed, priority });
      return { status: 'accepted', commandId };
    }
    try {
      const outcome = await wait.result;
      if (marks) Object.assign(marks, outcome?.stages, { result: epochMs() });
      return { status: 'completed', commandId, outcome: this.seal.openOutcome(commandId, outcome) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/timed out/i.test(msg)) {
        await this.keep({ id: commandId, type, job: sealed, priority });
        return { status: 'accepted', commandId };
      }
      throw new DomainError('COMMAND_FAILED', `the command could not be executed after retries: ${msg.slice(0, 200)}`);
    }
  }

  /**
   * Queue.add and a read of the stored job's data in one round trip: the read is written behind the add
   * on the same connection, before the add's answer is back, and Redis runs them in that order. The data
   * read (its JSON) is the stored job's, whoever added it. Not an ioredis pipeline, which BullMQ's own
   * addBulk uses: building one copies every BullMQ script onto it, 5 % of the API's CPU in the bench.
   * Should Redis have lost the scripts, ioredis runs the add again as EVAL after the read: the read then
   * finds nothing, and the job is taken for an existing one and read once more (correct, one read slower).
   */
  private async addAndReadBack(type: CommandName, sealed: SealedCommandJob, own: JobsOptions): Promise<string | null> {
    const client = await this.queue.client;
    const job = new Job<SealedCommandJob, SealedOutcome>(this.queue, type, sealed, own, own.jobId);
    // both queued in this tick, the add first, and written in one write while the socket is corked: one
    // syscall and one wake-up of Redis, not two (a cluster client has no one socket: two writes there)
    const [, data] = await Promise.all(
      inOneWrite((client as { stream?: Corkable }).stream, () => [job.addJob(client), client.hget(this.queue.toKey(own.jobId!), 'data')] as const),
    );
    return data ?? null;
  }

  private async keep(c: Parameters<PendingCommandStore>[0]): Promise<void> {
    if (!this.remember) return;
    try {
      await this.remember(c);
    } catch {
      throw new DomainError('DATABASE_UNAVAILABLE', 'the command could not be recorded (database unreachable); try again shortly');
    }
  }

  /** A command's status, to the user who issued it only (its result can name patients and beds). */
  async status(commandId: string, asUser?: string): Promise<{ state: string; outcome?: CommandOutcome } | null> {
    const done = (await this.lookup(commandId)) as (CommandOutcome & { issuedBy?: string }) | null;
    if (done) {
      const { issuedBy, ...outcome } = done;
      if (asUser !== undefined && issuedBy !== undefined && issuedBy !== asUser) return null;
      return { state: 'completed', outcome: outcome as CommandOutcome };
    }
    const job = await this.queue.getJob(commandId);
    if (!job) return null;
    let actor: CommandJob['actor'];
    try {
      actor = this.seal.open(commandId, job.data).actor;
    } catch {
      return null; // not a job the API or engine made: nobody's command
    }
    if (asUser !== undefined && actor.userId !== asUser) return null;
    const state = await job.getState();
    if (state !== 'completed') return { state };
    // The job was read before it finished (returnvalue empty then): its outcome is committed by now.
    const outcome = job.returnvalue?.sealed ? this.seal.openOutcome(commandId, job.returnvalue) : ((await this.lookup(commandId)) as CommandOutcome | null);
    return outcome ? { state, outcome } : { state: 'active' };
  }
}
