import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, JobsOptions, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, POLICY, Policy } from '@bedlink/application';
import { CommandName, SYSTEM_ACTOR, URGENCY_PRIORITY, Urgency } from '@bedlink/domain';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import {
  CommandJob,
  DEADLINE_EVENTS,
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
import { LeaderElection } from './leader';

type Due = DeadlineJob & { urgency: Urgency; fraction?: number; deadlineAt?: string };

/** A delayed job on the deadlines queue, ready for add / addBulk. */
export interface TimerJob {
  name: Extract<JobName, 'expire-offer' | 'expire-reservation' | 'transport-no-show' | 'warn-offer'>;
  data: Due;
  opts: JobsOptions;
}

/**
 * A deadline's timer is keyed by the offer and, once its clock was paused and resumed, by the new
 * deadline too: the first timer may still sit in Redis (removal is best effort), and a job id
 * already taken would silently drop the new one.
 */
const offerTimerId = (offerId: string, resumedDeadline?: string) =>
  resumedDeadline ? `${deadlineJobId('offer', offerId)}-${new Date(resumedDeadline).getTime()}` : deadlineJobId('offer', offerId);

/** Whether a bed event frees a bed for the waiting list (its payload, as recorded by the domain). */
export function freedBed(type: string, p: Record<string, any>): Freed | null {
  if (!p.bedId || !p.districtId || !p.institutionId) return null;
  const freed = { bedId: p.bedId, districtId: p.districtId, institutionId: p.institutionId };
  if (type === 'BedStatusChanged') return p.to === 'U' || p.to === 'H' ? freed : null;
  if (type === 'ReservationReleased' || type === 'ReservationExpired') return freed;
  // a list offer that ended unaccepted gives its bed to the next on the list
  if (type === 'WaitingListLeft') return p.outcome === 'REMOVED' ? freed : null;
  // reserve capacity the district has just opened, and free, is offered like a bed that was just cleaned
  if (type === 'BedReserveOpened') return p.status === 'U' || p.status === 'H' ? freed : null;
  return null;
}
type Freed = { bedId: string; districtId: string; institutionId: string };

/**
 * Deadlines are BullMQ delayed jobs keyed by what they guard (one per offer, one per hold), so
 * arming twice is harmless. When one fires it enqueues the ExpireOffer / ExpireReservation
 * command with a deterministic id: even if the deadline fires twice, the command runs once,
 * and the state machine refuses it harmlessly if the offer was answered meanwhile.
 */
@Injectable()
export class DeadlineReconciler implements OnModuleInit {
  private readonly log = new Logger('Deadlines');

  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadlines) private readonly deadlines: Queue<Due>,
    @InjectQueue(QUEUES.commands) private readonly commands: Queue<SealedCommandJob>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(POLICY) private readonly policy: Policy,
    @Inject(JOB_SEAL) private readonly seal: JobSeal,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly leader: LeaderElection,
  ) {}

  async arm(kind: 'offer' | 'reservation', due: Due, resumed = false): Promise<void> {
    const j = this.deadlineJob(kind, due, resumed);
    await this.deadlines.add(j.name, j.data, j.opts);
  }

  /** The delayed job guarding an offer's or a hold's deadline (its id is what it guards: arming twice is harmless). */
  private deadlineJob(kind: 'offer' | 'reservation', due: Due, resumed = false): TimerJob {
    const delay = Math.max(0, new Date(due.dueAt).getTime() - this.clock.now().getTime());
    const name = kind === 'offer' ? 'expire-offer' : 'expire-reservation';
    const jobId = kind === 'offer' ? offerTimerId(due.offerId!, resumed ? due.dueAt : undefined) : deadlineJobId(kind, due.reservationId!);
    return { name, data: due, opts: jobOptions(name, { jobId, delay }) };
  }

  /**
   * The timers an event arms: an offer's deadline and its warnings (extended, or resumed after a
   * pause), a hold's expiry, a booked transport's pickup window. The relay adds them with the
   * event's fan-out, in the same pass: no consumer job and no transaction per event for a timer.
   * A relay pass that fails is sent again, and the job ids keep the timers single.
   */
  async timersFor(type: string, p: Record<string, any>, occurredAt: string): Promise<TimerJob[]> {
    const offer = { referralId: p.referralId, offerId: p.offerId, dueAt: p.deadlineAt, urgency: p.urgency };
    const warnings = { referralId: p.referralId, offerId: p.offerId, deadlineAt: p.deadlineAt, urgency: p.urgency, districtId: p.districtId };
    if (type === 'OfferExtended' && p.deadlineAt) return [this.deadlineJob('offer', offer), ...(await this.warningJobs(warnings, new Date(occurredAt)))];
    if (type === 'OfferResumed' && p.deadlineAt) {
      const at = new Date(occurredAt);
      return [this.deadlineJob('offer', offer, true), ...(await this.warningJobs(warnings, at, { windowMs: Number(p.windowMs), at }))];
    }
    if (type === 'BedReserved' && p.expiresAt)
      return [this.deadlineJob('reservation', { referralId: p.referralId, reservationId: p.reservationId, dueAt: p.expiresAt, urgency: p.urgency })];
    if (type === 'TransportArranged') return [this.transportJob({ referralId: p.referralId, pickupWindowEndsAt: p.pickupWindowEndsAt, urgency: p.urgency })];
    return [];
  }

  async addTimers(jobs: TimerJob[]): Promise<void> {
    if (jobs.length) await this.deadlines.addBulk(jobs);
  }

  /**
   * The receiver asked for more information and the clock stopped: its timers go (best effort; a
   * timer that fires anyway is refused by the domain, the offer being paused).
   */
  async disarmOffer(p: { offerId: string; districtId: string; deadlineWas?: string }): Promise<void> {
    const doc = await this.policy.forDistrict(p.districtId);
    const ids = [deadlineJobId('offer', p.offerId), ...doc.deadlineWarnings.map((f) => `offer-warn-${p.offerId}-${Math.round(f * 100)}`)];
    if (p.deadlineWas) {
      ids.push(
        offerTimerId(p.offerId, p.deadlineWas),
        ...doc.deadlineWarnings.map((f) => `offer-warn-${p.offerId}-${Math.round(f * 100)}-${new Date(p.deadlineWas!).getTime()}`),
      );
    }
    await Promise.all(ids.map((id) => this.deadlines.remove(id).catch(() => 0)));
  }

  /**
   * How long until a live deadline falls due by the database clock (<= 0: due now), or null when
   * the offer was answered / the hold ended meanwhile. The delayed job ran on a worker's clock;
   * the database's is the one every process shares.
   */
  async remainingMs(kind: 'offer' | 'reservation', id: string): Promise<number | null> {
    const rows: { ms: number }[] = await this.ds.query(
      kind === 'offer'
        ? `SELECT extract(epoch FROM deadline_at - statement_timestamp()) * 1000 AS ms FROM offers WHERE id = $1 AND state IN ('PENDING','VIEWED') AND deadline_at IS NOT NULL`
        : `SELECT extract(epoch FROM expires_at - statement_timestamp()) * 1000 AS ms FROM reservations WHERE id = $1 AND state = 'HELD'`,
      [id],
    );
    return rows.length ? Number(rows[0].ms) : null;
  }

  /** Fires a deadline: the command is idempotent by its id. */
  async fire(kind: 'offer' | 'reservation', due: Due): Promise<void> {
    const id = kind === 'offer' ? due.offerId! : due.reservationId!;
    // An offer's expiry names the deadline it is for (a paused and resumed offer has had several):
    // a stale timer is refused, and the current deadline's command gets an id of its own.
    const dueMs = new Date(due.dueAt).getTime();
    await this.enqueueSystem(
      kind === 'offer' ? 'ExpireOffer' : 'ExpireReservation',
      kind === 'offer' ? { referralId: due.referralId, offerId: id, dueAt: new Date(dueMs).toISOString() } : { referralId: due.referralId, reservationId: id },
      due.referralId,
      'expire-command',
      { jobId: kind === 'offer' ? `c-expire-offer-${id}-${dueMs}` : `c-expire-${kind}-${id}`, priority: URGENCY_PRIORITY[due.urgency] },
    );
  }

  /** A command the engine issues itself (SYSTEM actor), with a deterministic job id so a repeat runs once. */
  private async enqueueSystem(
    type: CommandName,
    payload: Record<string, unknown>,
    correlationId: string,
    kind: Extract<JobName, 'expire-command' | 'notice-command' | 'waiting-list-command'>,
    own: JobsOptions & { jobId: string },
  ): Promise<void> {
    const job: CommandJob = { type, payload, actor: SYSTEM_ACTOR, correlationId, causationId: null, submittedAt: new Date().toISOString(), fingerprint: '' };
    // sealed like the API's jobs: the worker trusts no SYSTEM actor it did not seal itself
    await this.commands.add(type, this.seal.seal(own.jobId, job), jobOptions(kind, own));
  }

  /** The pickup window of a booked transport: a delayed job keyed by the referral and the window's end. */
  async armTransport(p: { referralId: string; pickupWindowEndsAt: string; urgency: Urgency }): Promise<void> {
    const j = this.transportJob(p);
    await this.deadlines.add(j.name, j.data, j.opts);
  }

  private transportJob(p: { referralId: string; pickupWindowEndsAt: string; urgency: Urgency }): TimerJob {
    const due = new Date(p.pickupWindowEndsAt).getTime();
    return {
      name: 'transport-no-show',
      data: { referralId: p.referralId, dueAt: p.pickupWindowEndsAt, urgency: p.urgency },
      opts: jobOptions('transport-no-show', {
        jobId: deadlineJobId('transport', `${p.referralId}-${due}`),
        delay: Math.max(0, due - this.clock.now().getTime()),
      }),
    };
  }

  async fireTransport(due: Due): Promise<void> {
    const at = new Date(due.dueAt).getTime();
    await this.enqueueSystem('FlagTransportNoShow', { referralId: due.referralId, windowEndsAt: due.dueAt }, due.referralId, 'notice-command', {
      jobId: `c-no-show-${due.referralId}-${at}`,
      priority: URGENCY_PRIORITY[due.urgency],
    });
  }

  /** A bed freed: offer it from its institution's waiting list, unless the district wants a coordinator to confirm. */
  async dispatchWaitingList(freed: Freed, causeEventId: string): Promise<void> {
    // most beds free at institutions nobody waits for: one indexed probe instead of a command
    const [waiting] = await this.ds.query(`SELECT 1 FROM waiting_list_entries WHERE institution_id = $1 AND state = 'WAITING' LIMIT 1`, [freed.institutionId]);
    if (!waiting) return;
    const doc = await this.policy.forDistrict(freed.districtId);
    if ((doc.waitingList?.dispatch ?? 'AUTO') !== 'AUTO') return;
    await this.enqueueSystem('OfferFromWaitingList', { bedId: freed.bedId }, freed.bedId, 'waiting-list-command', { jobId: `c-wl-${causeEventId}` });
  }

  /**
   * Warnings to the receiver at fractions of the offer's window (policy: e.g. 50% and 80%). After a
   * pause (`resumed`) the window is the one first given (`windowMs`), ending at the new deadline:
   * warnings whose moment had passed before the pause are not given twice.
   */
  private async warningJobs(
    p: { referralId: string; offerId: string; deadlineAt: string; urgency: Urgency; districtId: string },
    offeredAt: Date,
    resumed?: { windowMs: number; at: Date },
  ): Promise<TimerJob[]> {
    const doc = await this.policy.forDistrict(p.districtId);
    const end = new Date(p.deadlineAt).getTime();
    const span = resumed ? resumed.windowMs : end - offeredAt.getTime();
    const jobs: TimerJob[] = [];
    for (const f of doc.deadlineWarnings) {
      const due = end - span * (1 - f);
      if (resumed && due < resumed.at.getTime()) continue;
      const pct = Math.round(f * 100);
      jobs.push({
        name: 'warn-offer',
        data: { referralId: p.referralId, offerId: p.offerId, dueAt: new Date(due).toISOString(), urgency: p.urgency, fraction: f, deadlineAt: p.deadlineAt },
        opts: jobOptions('warn-offer', {
          jobId: resumed ? `offer-warn-${p.offerId}-${pct}-${end}` : `offer-warn-${p.offerId}-${pct}`,
          delay: Math.max(0, due - this.clock.now().getTime()),
        }),
      });
    }
    return jobs;
  }

  async fireWarning(due: Due & { fraction?: number }): Promise<void> {
    const pct = Math.round((due.fraction ?? 0) * 100);
    // the deadline the warning counts down to: a warning for a deadline that moved (pause) is refused
    const epoch = due.deadlineAt ? `-${new Date(due.deadlineAt).getTime()}` : '';
    await this.enqueueSystem(
      'WarnOfferDeadline',
      { referralId: due.referralId, offerId: due.offerId, fraction: due.fraction, ...(due.deadlineAt ? { dueAt: due.deadlineAt } : {}) },
      due.referralId,
      'notice-command',
      { jobId: `c-warn-${due.offerId}-${pct}${epoch}`, priority: URGENCY_PRIORITY[due.urgency] },
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
    const transports: any[] = await this.ds.query(
      `SELECT id, urgency, transport->>'pickupWindowEndsAt' AS ends FROM referrals WHERE state = 'ACCEPTED' AND transport->>'status' = 'ARRANGED'`,
    );
    for (const t of transports) await this.armTransport({ referralId: t.id, pickupWindowEndsAt: new Date(t.ends).toISOString(), urgency: t.urgency });
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
    return offers.length + holds.length + transports.length;
  }

  /**
   * Watchdog: anything past due whose timer never fired is fired now. "Past due" by the database
   * clock: a leader whose own clock runs ahead must not find deadlines overdue that are not.
   */
  async sweepOverdue(): Promise<number> {
    const offers: any[] = await this.ds.query(
      `SELECT o.id, o.referral_id, o.deadline_at, r.urgency FROM offers o JOIN referrals r ON r.id = o.referral_id WHERE o.state IN ('PENDING','VIEWED') AND o.deadline_at < now() - interval '2 seconds' LIMIT 1000`,
    );
    const holds: any[] = await this.ds.query(
      `SELECT x.id, x.referral_id, x.expires_at, r.urgency FROM reservations x JOIN referrals r ON r.id = x.referral_id WHERE x.state = 'HELD' AND x.expires_at < now() - interval '2 seconds' LIMIT 1000`,
    );
    await Promise.all(offers.map((o) => this.fire('offer', { referralId: o.referral_id, offerId: o.id, dueAt: o.deadline_at, urgency: o.urgency })));
    // return holds whose days ran out: the bed goes back to the district, the care home is told
    const lapsed: any[] = await this.ds.query(`SELECT id, return_hold_until FROM beds WHERE return_hold_until < now() LIMIT 1000`);
    await Promise.all(
      lapsed.map((b) =>
        this.enqueueSystem('LapseReturnHold', { bedId: b.id }, b.id, 'notice-command', {
          jobId: `c-lapse-hold-${b.id}-${new Date(b.return_hold_until).getTime()}`,
        }),
      ),
    );
    await Promise.all(holds.map((x) => this.fire('reservation', { referralId: x.referral_id, reservationId: x.id, dueAt: x.expires_at, urgency: x.urgency })));
    const noShows: any[] = await this.ds.query(
      `SELECT id, urgency, transport->>'pickupWindowEndsAt' AS ends FROM referrals
        WHERE state = 'ACCEPTED' AND transport->>'status' = 'ARRANGED' AND (transport->>'pickupWindowEndsAt')::timestamptz < now() - interval '2 seconds' LIMIT 1000`,
    );
    await Promise.all(noShows.map((t) => this.fireTransport({ referralId: t.id, dueAt: new Date(t.ends).toISOString(), urgency: t.urgency })));
    return offers.length + holds.length + lapsed.length + noShows.length;
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
  }

  /** The watchdog is a leader duty: one worker sweeps, not every worker every interval. */
  onModuleInit(): void {
    this.leader.register({
      name: 'deadline-watchdog',
      everyMs: this.cfg.DEADLINE_SWEEP_MS,
      run: async () => {
        const n = await this.sweepOverdue();
        if (n) this.log.warn(`watchdog fired ${n} overdue deadline(s)`);
      },
    });
  }
}

/** Disarms a paused offer's timers and offers freed beds from the waiting list (the relay arms deadlines). */
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
    // the relay arms deadlines itself; one reaches this queue only when the relay could not (its policy unreadable)
    if (DEADLINE_EVENTS.includes(job.data.type)) await this.deadlines.addTimers(await this.deadlines.timersFor(job.data.type, p, job.data.metadata.occurredAt));
    if (job.data.type === 'OfferPaused') await this.deadlines.disarmOffer({ offerId: p.offerId, districtId: p.districtId, deadlineWas: p.deadlineWas });
    const freed = freedBed(job.data.type, p);
    if (freed) await this.deadlines.dispatchWaitingList(freed, job.data.eventId);
  }
}

/**
 * Whether the timers queue has anything to do with an event: disarm a paused offer's timers, or
 * offer a freed bed from the waiting list. The relay sends it nothing else (it arms deadlines
 * itself): a bed admitted or an offer extended is no job for this consumer.
 */
export function wantsTimers(type: string, payload: Record<string, any>): boolean {
  return type === 'OfferPaused' || freedBed(type, payload) !== null;
}

/** A deadline fell due. */
@Processor(QUEUES.deadlines, { concurrency: 8, maxStalledCount: 1000 })
export class DeadlineProcessor extends WorkerHost {
  constructor(private readonly deadlines: DeadlineReconciler) {
    super();
  }
  async process(job: Job<Due>, token?: string): Promise<void> {
    const name = job.name as Extract<JobName, 'warn-offer' | 'expire-offer' | 'expire-reservation' | 'transport-no-show' | 'board-snapshot'>;
    if (name === 'board-snapshot') return this.deadlines.snapshotBoard();
    if (name === 'warn-offer') return this.deadlines.fireWarning(job.data);
    if (name === 'transport-no-show') return this.deadlines.fireTransport(job.data);
    const kind = name === 'expire-offer' ? 'offer' : 'reservation';
    const remaining = await this.deadlines.remainingMs(kind, (kind === 'offer' ? job.data.offerId : job.data.reservationId)!);
    if (remaining === null) return; // answered or ended meanwhile: nothing to expire
    if (remaining > 0) {
      // this worker's clock ran ahead of the database's: wait the difference, then look again
      await job.moveToDelayed(Date.now() + Math.ceil(remaining), token);
      throw new DelayedError();
    }
    await this.deadlines.fire(kind, job.data);
  }
}
