import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, JobsOptions, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, POLICY, Policy } from '@bedlink/application';
import { CommandName, SYSTEM_ACTOR, URGENCY_PRIORITY, Urgency } from '@bedlink/domain';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import {
  CommandJob,
  DeadLetterJob,
  DeadlineJob,
  deadlineJobId,
  EventJob,
  JOB_SEAL,
  JobName,
  jobOptions,
  JobSeal,
  QUEUES,
  SealedCommandJob,
} from '@bedlink/messaging';
import { takeBoardSnapshot } from '@bedlink/persistence';
import { EventConsumer, eventWorker } from './consumers/event-consumer';

type Due = DeadlineJob & { urgency: Urgency; fraction?: number };

/**
 * Deadlines are BullMQ delayed jobs keyed by what they guard (one per offer, one per hold), so
 * arming twice is harmless. When one fires it enqueues the ExpireOffer / ExpireReservation
 * command with a deterministic id: even if the deadline fires twice, the command runs once,
 * and the state machine refuses it harmlessly if the offer was answered meanwhile.
 */
@Injectable()
export class DeadlineReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Deadlines');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadlines) private readonly deadlines: Queue<Due>,
    @InjectQueue(QUEUES.commands) private readonly commands: Queue<SealedCommandJob>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(POLICY) private readonly policy: Policy,
    @Inject(JOB_SEAL) private readonly seal: JobSeal,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  async arm(kind: 'offer' | 'reservation', due: Due): Promise<void> {
    const delay = Math.max(0, new Date(due.dueAt).getTime() - this.clock.now().getTime());
    const name = kind === 'offer' ? 'expire-offer' : 'expire-reservation';
    await this.deadlines.add(name, due, jobOptions(name, { jobId: deadlineJobId(kind, (kind === 'offer' ? due.offerId : due.reservationId)!), delay }));
  }

  /** Fires a deadline: the command is idempotent by its id. */
  async fire(kind: 'offer' | 'reservation', due: Due): Promise<void> {
    const id = kind === 'offer' ? due.offerId! : due.reservationId!;
    await this.enqueueSystem(
      kind === 'offer' ? 'ExpireOffer' : 'ExpireReservation',
      kind === 'offer' ? { referralId: due.referralId, offerId: id } : { referralId: due.referralId, reservationId: id },
      due.referralId,
      'expire-command',
      { jobId: `c-expire-${kind}-${id}`, priority: URGENCY_PRIORITY[due.urgency] },
    );
  }

  /** A command the engine issues itself (SYSTEM actor), with a deterministic job id so a repeat runs once. */
  private async enqueueSystem(
    type: CommandName,
    payload: Record<string, unknown>,
    correlationId: string,
    kind: Extract<JobName, 'expire-command' | 'notice-command'>,
    own: JobsOptions & { jobId: string },
  ): Promise<void> {
    const job: CommandJob = { type, payload, actor: SYSTEM_ACTOR, correlationId, causationId: null, submittedAt: new Date().toISOString(), fingerprint: '' };
    // sealed like the API's jobs: the worker trusts no SYSTEM actor it did not seal itself
    await this.commands.add(type, this.seal.seal(own.jobId, job), jobOptions(kind, own));
  }

  /** Warnings to the receiver at fractions of the offer's window (policy: e.g. 50% and 80%). */
  async armWarnings(p: { referralId: string; offerId: string; deadlineAt: string; urgency: Urgency; districtId: string }, offeredAt: Date): Promise<void> {
    const doc = await this.policy.forDistrict(p.districtId);
    const end = new Date(p.deadlineAt).getTime();
    const span = end - offeredAt.getTime();
    for (const f of doc.deadlineWarnings) {
      const due = offeredAt.getTime() + span * f;
      const pct = Math.round(f * 100);
      await this.deadlines.add(
        'warn-offer',
        { referralId: p.referralId, offerId: p.offerId, dueAt: new Date(due).toISOString(), urgency: p.urgency, fraction: f },
        jobOptions('warn-offer', { jobId: `offer-warn-${p.offerId}-${pct}`, delay: Math.max(0, due - this.clock.now().getTime()) }),
      );
    }
  }

  async fireWarning(due: Due & { fraction?: number }): Promise<void> {
    const pct = Math.round((due.fraction ?? 0) * 100);
    await this.enqueueSystem(
      'WarnOfferDeadline',
      { referralId: due.referralId, offerId: due.offerId, fraction: due.fraction },
      due.referralId,
      'notice-command',
      { jobId: `c-warn-${due.offerId}-${pct}`, priority: URGENCY_PRIORITY[due.urgency] },
    );
  }

  /** Every deadline Postgres knows, armed again in Redis (after a flush, or at start). */
  async rearmAll(): Promise<number> {
    const offers: any[] = await this.ds.query(
      `SELECT o.id, o.referral_id, o.deadline_at, r.urgency FROM offers o JOIN referrals r ON r.id = o.referral_id WHERE o.state IN ('PENDING','VIEWED') AND o.deadline_at IS NOT NULL`,
    );
    const holds: any[] = await this.ds.query(
      `SELECT x.id, x.referral_id, x.expires_at, r.urgency FROM reservations x JOIN referrals r ON r.id = x.referral_id WHERE x.state = 'HELD'`,
    );
    for (let i = 0; i < offers.length; i += 500) {
      await Promise.all(
        offers
          .slice(i, i + 500)
          .map((o) => this.arm('offer', { referralId: o.referral_id, offerId: o.id, dueAt: new Date(o.deadline_at).toISOString(), urgency: o.urgency })),
      );
    }
    for (let i = 0; i < holds.length; i += 500) {
      await Promise.all(
        holds
          .slice(i, i + 500)
          .map((x) =>
            this.arm('reservation', { referralId: x.referral_id, reservationId: x.id, dueAt: new Date(x.expires_at).toISOString(), urgency: x.urgency }),
          ),
      );
    }
    return offers.length + holds.length;
  }

  /** Watchdog: anything past due whose timer never fired is fired now. */
  async sweepOverdue(): Promise<number> {
    const now = this.clock.now();
    const offers: any[] = await this.ds.query(
      `SELECT o.id, o.referral_id, o.deadline_at, r.urgency FROM offers o JOIN referrals r ON r.id = o.referral_id WHERE o.state IN ('PENDING','VIEWED') AND o.deadline_at < $1::timestamptz - interval '2 seconds' LIMIT 1000`,
      [now],
    );
    const holds: any[] = await this.ds.query(
      `SELECT x.id, x.referral_id, x.expires_at, r.urgency FROM reservations x JOIN referrals r ON r.id = x.referral_id WHERE x.state = 'HELD' AND x.expires_at < $1::timestamptz - interval '2 seconds' LIMIT 1000`,
      [now],
    );
    await Promise.all(offers.map((o) => this.fire('offer', { referralId: o.referral_id, offerId: o.id, dueAt: o.deadline_at, urgency: o.urgency })));
    // return holds whose days ran out: the bed goes back to the district, the care home is told
    const lapsed: any[] = await this.ds.query(`SELECT id, return_hold_until FROM beds WHERE return_hold_until < $1::timestamptz LIMIT 1000`, [now]);
    await Promise.all(
      lapsed.map((b) =>
        this.enqueueSystem('LapseReturnHold', { bedId: b.id }, b.id, 'notice-command', {
          jobId: `c-lapse-hold-${b.id}-${new Date(b.return_hold_until).getTime()}`,
        }),
      ),
    );
    await Promise.all(holds.map((x) => this.fire('reservation', { referralId: x.referral_id, reservationId: x.id, dueAt: x.expires_at, urgency: x.urgency })));
    return offers.length + holds.length + lapsed.length;
  }

  /** The dashboard's history: one copy of the bed board per hour (the job scheduler below calls this). */
  async snapshotBoard(): Promise<void> {
    await takeBoardSnapshot(this.ds, this.clock.now());
  }

  onApplicationBootstrap(): void {
    // One scheduler per queue prefix however many workers run (upsert by id); a point at once too,
    // so a fresh district's chart is not empty for its first hour.
    void this.deadlines
      .upsertJobScheduler('board-snapshot', { every: this.cfg.BOARD_SNAPSHOT_MS }, { name: 'board-snapshot', opts: jobOptions('board-snapshot') })
      .then(() => this.snapshotBoard())
      .catch((e) => this.log.warn(`board snapshot scheduling failed: ${e instanceof Error ? e.message : String(e)}`));
    const tick = async () => {
      try {
        const n = await this.sweepOverdue();
        if (n) this.log.warn(`watchdog fired ${n} overdue deadline(s)`);
      } catch (e) {
        this.log.warn(`watchdog pass failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    this.timer = setInterval(() => void tick(), this.cfg.DEADLINE_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Arms deadlines from the events that create them. */
@Processor(QUEUES.timers, eventWorker(8))
export class TimerEventsProcessor extends EventConsumer<EventJob, void> {
  constructor(
    private readonly deadlines: DeadlineReconciler,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
  ) {
    super(QUEUES.timers, dlq);
  }

  protected async handle(job: Job<EventJob>): Promise<void> {
    const p = job.data.payload as Record<string, any>;
    if (job.data.type === 'OfferExtended' && p.deadlineAt) {
      await this.deadlines.arm('offer', { referralId: p.referralId, offerId: p.offerId, dueAt: p.deadlineAt, urgency: p.urgency });
      await this.deadlines.armWarnings(
        { referralId: p.referralId, offerId: p.offerId, deadlineAt: p.deadlineAt, urgency: p.urgency, districtId: p.districtId },
        new Date(job.data.metadata.occurredAt),
      );
    }
    if (job.data.type === 'BedReserved' && p.expiresAt)
      await this.deadlines.arm('reservation', { referralId: p.referralId, reservationId: p.reservationId, dueAt: p.expiresAt, urgency: p.urgency });
  }
}

/** A deadline fell due. */
@Processor(QUEUES.deadlines, { concurrency: 8, maxStalledCount: 1000 })
export class DeadlineProcessor extends WorkerHost {
  constructor(private readonly deadlines: DeadlineReconciler) {
    super();
  }
  async process(job: Job<Due>): Promise<void> {
    const name = job.name as Extract<JobName, 'warn-offer' | 'expire-offer' | 'expire-reservation' | 'board-snapshot'>;
    if (name === 'board-snapshot') return this.deadlines.snapshotBoard();
    if (name === 'warn-offer') return this.deadlines.fireWarning(job.data);
    await this.deadlines.fire(name === 'expire-offer' ? 'offer' : 'reservation', job.data);
  }
}
