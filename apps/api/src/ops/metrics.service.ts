import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { Queue } from 'bullmq';
import { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ENV_CONFIG, EnvConfig, epochMs } from '@bedlink/config';
import { webhookCountersKey, workerLoadKey } from '@bedlink/messaging';
import { MetricsReads } from '@bedlink/persistence';
import { OPS_QUEUES, queueStat } from './queue-stats';

/**
 * Per-institution series are bounded: the busiest institutions (by offers) get their own label, the
 * rest are summed under institution="other". Reasons and outcomes are closed code lists, so a
 * series count is at most MAX_INSTITUTION_SERIES x (outcomes + reasons + timings).
 */
export const MAX_INSTITUTION_SERIES = 200;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the scrape asks of Redis for the hashes the workers write. */
type HashClient = { hgetall(k: string): Promise<Record<string, string>>; hdel(k: string, ...f: string[]): Promise<number> };

/** A worker's report (EventLoopReporter), or null for one that is not. */
function parseLoad(value: string): { busy: number; at: number; everyMs: number } | null {
  try {
    const r = JSON.parse(value) as { busy?: unknown; at?: unknown; everyMs?: unknown };
    if (typeof r.busy !== 'number' || typeof r.at !== 'number' || typeof r.everyMs !== 'number' || r.everyMs <= 0) return null;
    return { busy: r.busy, at: r.at, everyMs: r.everyMs };
  } catch {
    return null;
  }
}

/**
 * Prometheus metrics of the engine, one registry per API instance (tests run several in one
 * process). Latencies are measured here, in the API; everything shared with the worker processes
 * is read at scrape time from where it already lives: queue depth and lag from BullMQ, the outbox
 * backlog and referral KPIs from Postgres, webhook delivery counts from a Redis hash the delivery
 * workers increment. So the API is the single scrape target and workers need no HTTP port.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly commandDuration: Histogram<'command' | 'outcome'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly queueJobs: Gauge<'queue' | 'state'>;
  private readonly queueLag: Gauge<'queue'>;
  private readonly outboxBacklog: Gauge;
  private readonly outboxAge: Gauge;
  private readonly offers: Counter<'outcome'>;
  private readonly acceptance: Gauge;
  private readonly escalations: Counter;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly webhookDeadLetters: Counter;
  private readonly scrapeErrors: Counter<'source'>;
  private readonly workerLoopBusy: Gauge<'worker'>;
  private readonly instOffers: Counter<'district' | 'institution' | 'outcome'>;
  private readonly instDeclines: Counter<'district' | 'institution' | 'reason' | 'declined_by'>;
  private readonly instSeconds: Gauge<'district' | 'institution' | 'measure'>;
  private readonly instWaiting: Gauge<'district' | 'institution'>;
  private readonly instAdmissions: Counter<'district' | 'institution'>;
  private readonly instNoShows: Counter<'district' | 'institution'>;

  constructor(
    private readonly reads: MetricsReads,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @Inject(OPS_QUEUES) private readonly queues: Queue[],
  ) {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'bedlink_api_' });
    this.commandDuration = new Histogram({
      name: 'bedlink_command_duration_seconds',
      help: 'Command latency seen by the API: enqueue, execution by a worker, result',
      labelNames: ['command', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.httpDuration = new Histogram({
      name: 'bedlink_http_request_duration_seconds',
      help: 'HTTP requests by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.queueJobs = new Gauge({ name: 'bedlink_queue_jobs', help: 'Jobs per BullMQ queue and state', labelNames: ['queue', 'state'], registers: r });
    this.queueLag = new Gauge({ name: 'bedlink_queue_lag_seconds', help: 'Age of the oldest job waiting in the queue', labelNames: ['queue'], registers: r });
    this.outboxBacklog = new Gauge({ name: 'bedlink_outbox_backlog_events', help: 'Committed events not yet relayed to the queues', registers: r });
    this.outboxAge = new Gauge({ name: 'bedlink_outbox_oldest_age_seconds', help: 'Age of the oldest unrelayed outbox event', registers: r });
    this.offers = new Counter({
      name: 'bedlink_referral_offers_answered_total',
      help: 'Offers by outcome (accepted, declined, expired)',
      labelNames: ['outcome'],
      registers: r,
    });
    this.acceptance = new Gauge({ name: 'bedlink_referral_acceptance_ratio', help: 'Accepted offers / answered or expired offers', registers: r });
    this.escalations = new Counter({ name: 'bedlink_referral_escalations_total', help: 'Referrals escalated to the district', registers: r });
    this.webhookDeliveries = new Counter({
      name: 'bedlink_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed_attempt, dropped)',
      labelNames: ['outcome'],
      registers: r,
    });
    this.webhookDeadLetters = new Counter({
      name: 'bedlink_webhook_dead_letters_total',
      help: 'Webhook deliveries sent to the dead-letter queue after their last attempt',
      registers: r,
    });
    this.instOffers = new Counter({
      name: 'bedlink_institution_offers_total',
      help: 'Offers made to an institution by outcome (accepted, declined_provider, declined_patient, expired = response SLA breached, open)',
      labelNames: ['district', 'institution', 'outcome'],
      registers: r,
    });
    this.instDeclines = new Counter({
      name: 'bedlink_institution_declines_total',
      help: 'Declined offers by institution, reason code and who declined (PROVIDER or PATIENT)',
      labelNames: ['district', 'institution', 'reason', 'declined_by'],
      registers: r,
    });
    this.instSeconds = new Gauge({
      name: 'bedlink_institution_mean_seconds',
      help: 'Mean durations per institution: first_response (offer to answer), acceptance and admission (from submission), waiting_list (time on its list)',
      labelNames: ['district', 'institution', 'measure'],
      registers: r,
    });
    this.instWaiting = new Gauge({
      name: 'bedlink_institution_waiting_list_length',
      help: 'Referrals on the institution’s waiting list now',
      labelNames: ['district', 'institution'],
      registers: r,
    });
    this.instAdmissions = new Counter({
      name: 'bedlink_institution_admissions_total',
      help: 'Patients admitted through a referral, by institution',
      labelNames: ['district', 'institution'],
      registers: r,
    });
    this.instNoShows = new Counter({
      name: 'bedlink_institution_transport_no_shows_total',
      help: 'Booked transports to the institution whose pickup window passed with the patient still at the origin (TRANSPORT_NO_SHOW)',
      labelNames: ['district', 'institution'],
      registers: r,
    });
    this.scrapeErrors = new Counter({
      name: 'bedlink_metrics_scrape_errors_total',
      help: 'Sources that could not be read during a scrape',
      labelNames: ['source'],
      registers: r,
    });
    this.workerLoopBusy = new Gauge({
      name: 'bedlink_worker_event_loop_busy_ratio',
      help: "Share of its last report interval each live worker process' event loop was busy (0-1); near 1 it is what commands and events wait for",
      labelNames: ['worker'],
      registers: r,
    });
  }

  async observeCommand<T>(command: string, run: () => Promise<T>, outcomeOf: (r: T) => string): Promise<T> {
    const end = this.commandDuration.startTimer({ command });
    try {
      const r = await run();
      end({ outcome: outcomeOf(r) });
      return r;
    } catch (e) {
      end({ outcome: 'error' });
      throw e;
    }
  }

  /** Express middleware: label by route template (never the raw path: ids would explode cardinality). */
  httpMiddleware(): NestMiddleware['use'] {
    return (req: Request, res: Response, next: NextFunction) => {
      (req as Request & { receivedAt?: number }).receivedAt = epochMs();
      const end = this.httpDuration.startTimer();
      res.once('finish', () => {
        const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : req.baseUrl || 'unmatched';
        end({ method: req.method, route: String(route), status: String(res.statusCode) });
      });
      next();
    };
  }

  /** The exposition text: shared state is read now, each source on its own so one outage hides only its series. */
  async render(): Promise<string> {
    await Promise.all([this.readQueues(), this.readOutbox(), this.readWebhooks(), this.readWorkers(), this.readKpis(), this.readInstitutionKpis()]);
    return (await this.registry.metrics()) + this.kpiHistogram;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private kpiHistogram = '';

  private async readQueues(): Promise<void> {
    const stats = await Promise.allSettled(this.queues.map((q) => queueStat(q)));
    if (stats.some((s) => s.status === 'rejected')) this.scrapeErrors.inc({ source: 'redis' });
    // a queue that could not be read drops out of this scrape rather than showing a stale depth
    this.queueJobs.reset();
    this.queueLag.reset();
    for (const s of stats) {
      if (s.status === 'rejected') continue;
      for (const [state, n] of Object.entries(s.value.counts)) this.queueJobs.set({ queue: s.value.queue, state }, n);
      this.queueLag.set({ queue: s.value.queue }, s.value.lagMs / 1000);
    }
  }

  private async readOutbox(): Promise<void> {
    try {
      const b = await this.reads.outboxBacklog();
      this.outboxBacklog.set(b.unsent);
      this.outboxAge.set(b.oldestMs / 1000);
    } catch {
      this.scrapeErrors.inc({ source: 'postgres' });
    }
  }

  /** The Redis the workers' hashes live in: the queues' connection. */
  private async redis(): Promise<HashClient> {
    return (await this.queues[0].client) as unknown as HashClient;
  }

  /** A Redis hash the workers write, given up on after 1.5 s so a scrape never hangs on Redis. */
  private async readHash(key: string): Promise<Record<string, string>> {
    const redis = await this.redis();
    return Promise.race([redis.hgetall(key), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1500).unref())]);
  }

  private async readWebhooks(): Promise<void> {
    try {
      const h = await this.readHash(webhookCountersKey(this.cfg.QUEUE_PREFIX));
      this.webhookDeliveries.reset();
      this.webhookDeliveries.inc({ outcome: 'delivered' }, Number(h.delivered ?? 0));
      this.webhookDeliveries.inc({ outcome: 'failed_attempt' }, Number(h.failed_attempts ?? 0));
      this.webhookDeliveries.inc({ outcome: 'dropped' }, Number(h.dropped ?? 0));
      this.webhookDeadLetters.reset();
      this.webhookDeadLetters.inc(Number(h.dead_lettered ?? 0));
    } catch {
      this.scrapeErrors.inc({ source: 'redis' });
    }
  }

  /**
   * The worker processes' event loops (EventLoopReporter). A line older than three of its intervals is a process
   * that stopped without taking it away (killed, or its host gone): it is left out, and removed so that the hash
   * does not keep every process that ever ran.
   */
  private async readWorkers(): Promise<void> {
    try {
      const key = workerLoadKey(this.cfg.QUEUE_PREFIX);
      const h = await this.readHash(key);
      const now = Date.now();
      const stale: string[] = [];
      this.workerLoopBusy.reset();
      for (const [worker, value] of Object.entries(h)) {
        const r = parseLoad(value);
        if (r && now - r.at <= 3 * r.everyMs) this.workerLoopBusy.set({ worker }, r.busy);
        else stale.push(worker);
      }
      if (stale.length) await (await this.redis()).hdel(key, ...stale).catch(() => undefined);
    } catch {
      this.scrapeErrors.inc({ source: 'redis' });
    }
  }

  private async readInstitutionKpis(): Promise<void> {
    try {
      const rows = (await this.reads.institutionKpis()).sort((a, b) => b.offers - a.offers || a.code.localeCompare(b.code));
      for (const m of [this.instOffers, this.instDeclines, this.instSeconds, this.instWaiting, this.instAdmissions, this.instNoShows]) m.reset();
      rows.forEach((k, i) => {
        const own = i < MAX_INSTITUTION_SERIES;
        const l = { district: k.districtId, institution: own ? k.code : 'other' };
        const open = k.offers - k.accepted - k.declinedByProvider - k.declinedByPatient - k.slaBreaches;
        this.instOffers.inc({ ...l, outcome: 'accepted' }, k.accepted);
        this.instOffers.inc({ ...l, outcome: 'declined_provider' }, k.declinedByProvider);
        this.instOffers.inc({ ...l, outcome: 'declined_patient' }, k.declinedByPatient);
        this.instOffers.inc({ ...l, outcome: 'expired' }, k.slaBreaches);
        this.instOffers.inc({ ...l, outcome: 'other' }, Math.max(0, open));
        for (const [reason, n] of Object.entries(k.declineReasons)) this.instDeclines.inc({ ...l, reason, declined_by: 'PROVIDER' }, n);
        if (k.declinedByPatient) this.instDeclines.inc({ ...l, reason: 'PATIENT_OR_FAMILY_DECLINED', declined_by: 'PATIENT' }, k.declinedByPatient);
        this.instAdmissions.inc(l, k.admissions);
        this.instNoShows.inc(l, k.transportNoShows);
        this.instWaiting.inc(l, k.waitingNow);
        // means do not add up across institutions: "other" gets none
        if (!own) return;
        const means: Array<[string, number | null]> = [
          ['first_response', k.avgFirstResponseSeconds],
          ['acceptance', k.avgTimeToAcceptanceSeconds],
          ['admission', k.avgTimeToAdmissionSeconds],
          ['waiting_list', k.avgWaitSeconds],
        ];
        for (const [measure, v] of means) if (v !== null) this.instSeconds.set({ ...l, measure }, v);
      });
    } catch {
      this.scrapeErrors.inc({ source: 'postgres' });
    }
  }

  private async readKpis(): Promise<void> {
    try {
      const k = await this.reads.kpis();
      const c = (n: string) => k.counters[n] ?? 0;
      this.offers.reset();
      this.offers.inc({ outcome: 'accepted' }, c('offers_accepted'));
      this.offers.inc({ outcome: 'declined' }, c('offers_declined'));
      this.offers.inc({ outcome: 'expired' }, c('offers_expired'));
      const answered = c('offers_accepted') + c('offers_declined') + c('offers_expired');
      this.acceptance.set(answered ? c('offers_accepted') / answered : 0);
      this.escalations.reset();
      this.escalations.inc(c('escalations'));
      // prom-client cannot load a histogram from stored bucket counts, so this one is written out by hand
      const name = 'bedlink_referral_time_to_accept_seconds';
      const lines = [`# HELP ${name} Time from a referral's submission to the acceptance of an offer`, `# TYPE ${name} histogram`];
      for (const b of k.timeToAccept) lines.push(`${name}_bucket{le="${b.le === Infinity ? '+Inf' : b.le}"} ${b.cumulative}`);
      lines.push(`${name}_sum ${c('time_to_accept_sum')}`, `${name}_count ${c('time_to_accept_count')}`);
      this.kpiHistogram = lines.join('\n') + '\n';
    } catch {
      this.scrapeErrors.inc({ source: 'postgres' });
    }
  }
}
