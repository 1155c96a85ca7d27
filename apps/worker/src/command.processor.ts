import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ENV_CONFIG, EnvConfig, epochMs, StageMarks, withStages } from '@bedlink/config';
import { CommandBus } from '@nestjs/cqrs';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, COMMAND_CLASSES } from '@bedlink/application';
import { DomainError } from '@bedlink/domain';
import { CommandJob, CommandOutcome, JOB_SEAL, JobSeal, JobSignatureError, QUEUES, SealedCommandJob, SealedOutcome } from '@bedlink/messaging';
import { AlreadyExecuted, findCommandOutcome, InstitutionRoles, recordCommandFailure } from '@bedlink/persistence';
import { commandWorkerOptions } from './consumers/event-consumer';

/**
 * Runs commands from the `commands` queue. Domain refusals are answers, not failures: they are
 * recorded under the idempotency key and returned. Infrastructure errors throw, so BullMQ
 * retries with backoff; a command whose key already ran returns the stored result.
 */
@Processor(QUEUES.commands, commandWorkerOptions())
export class CommandProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger('CommandProcessor');
  constructor(
    private readonly bus: CommandBus,
    private readonly ds: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @Inject(JOB_SEAL) private readonly seal: JobSeal,
    private readonly roles: InstitutionRoles,
  ) {
    super();
  }

  /** The decorator's value is read at import time; the configured one wins at start-up. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.cfg.COMMAND_CONCURRENCY;
  }

  /** Opens the sealed job, runs it, and seals the result before BullMQ stores it in Redis. */
  async process(job: Job<SealedCommandJob, SealedOutcome>): Promise<SealedOutcome> {
    let d: CommandJob;
    try {
      d = this.seal.open(job.id!, job.data);
    } catch (e) {
      if (!(e instanceof JobSignatureError)) throw e;
      // Someone wrote to Redis directly: refuse, keep a record, never retry. The claimed actor is
      // not believed, so it is not recorded as the actor.
      const type = typeof job.data?.type === 'string' ? job.data.type.slice(0, 60) : String(job.name).slice(0, 60);
      await recordCommandFailure(this.ds, {
        id: job.id!,
        type,
        actorUser: 'unverified',
        actorInstitution: null,
        correlationId: job.id!,
        error: { code: e.code, message: e.message },
      });
      this.log.warn({ msg: 'command refused: job not sealed by the API', commandId: job.id, type, code: e.code });
      throw new UnrecoverableError(`${e.code}: ${e.message}`);
    }
    // Stage marks travel back with the result (numbers only) for the API's Server-Timing header.
    const stages: StageMarks = { added: job.timestamp, started: job.processedOn ?? epochMs() };
    const outcome = await withStages(stages, () => this.run(job, d));
    stages.finished = epochMs();
    return { ...this.seal.sealOutcome(job.id!, outcome), stages };
  }

  /**
   * The outcome recorded under this key, for a command that already ran. The API no longer reads
   * Postgres before queueing (a job id new to Redis is the common case, and costs no query), so a
   * retry whose first job is gone from Redis arrives here, and so does a reused key: a different
   * body under a used key is refused here as it was in the API.
   */
  private async storedOutcome(commandId: string, d: CommandJob): Promise<CommandOutcome | undefined> {
    const stored = await findCommandOutcome(this.ds, commandId);
    if (!stored) return undefined;
    const { fingerprint, issuedBy: _issuedBy, ...outcome } = stored as CommandOutcome & { fingerprint?: string; issuedBy?: string };
    if (fingerprint && d.fingerprint && fingerprint !== d.fingerprint)
      return { ok: false, error: new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different command').toJSON() };
    return outcome as CommandOutcome;
  }

  private async run(job: Job, d: CommandJob): Promise<CommandOutcome> {
    const Cls = COMMAND_CLASSES[d.type];
    if (!Cls) throw new UnrecoverableError(`unknown command ${d.type}`);
    const ctx = {
      commandId: job.id!,
      commandType: d.type,
      actor: d.actor,
      correlationId: d.correlationId,
      causationId: d.causationId,
      now: this.clock.now(),
      fingerprint: d.fingerprint || undefined,
    };
    try {
      // The API checked the credential's role against its institution's type; checked again here
      // because a command reaches this queue by other ways too (the HL7 listener, the engine's own
      // dispatches, a job queued before the rule), and a refusal is recorded like any other.
      await this.roles.check(d.actor);
      const result = await this.bus.execute(new Cls(d.payload, ctx));
      this.log.debug({ msg: 'command executed', commandId: job.id, type: d.type, correlationId: d.correlationId, ok: true });
      return { ok: true, result: result as Record<string, unknown> };
    } catch (e) {
      if (e instanceof AlreadyExecuted) {
        const stored = await this.storedOutcome(job.id!, d);
        if (stored) return stored;
        throw e;
      }
      if (e instanceof DomainError && e.code !== 'DATABASE_UNAVAILABLE') {
        const recorded = await recordCommandFailure(this.ds, {
          id: job.id!,
          type: d.type,
          actorUser: d.actor.userId,
          actorInstitution: d.actor.institutionId,
          correlationId: d.correlationId,
          error: e.toJSON(),
          fingerprint: d.fingerprint || undefined,
        });
        if (!recorded) {
          // The key ran before (a retry whose first job Redis no longer holds): its outcome is the answer.
          const stored = await this.storedOutcome(job.id!, d);
          if (stored) return stored;
        }
        this.log.log({ msg: 'command refused', commandId: job.id, type: d.type, correlationId: d.correlationId, code: e.code });
        return { ok: false, error: e.toJSON() };
      }
      this.log.warn({
        msg: 'command failed, will retry',
        commandId: job.id,
        type: d.type,
        correlationId: d.correlationId,
        attempt: job.attemptsMade + 1,
        err: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
  }
}
