import { hostname } from 'node:os';
import IORedis from 'ioredis';
import { ALL_QUEUES, workerLoadKey } from '@bedlink/messaging';
import { EventLoopReporter } from '../apps/worker/src/event-loop-reporter';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

jest.setTimeout(120_000);

/** `name{labels} value` → value, or undefined when the series is absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics: Prometheus series after a referral lifecycle', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const METRICS_TOKEN = 'metrics-test-scrape-token-0123456789abcdef';
  const scrape = async () => {
    const r = await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.text();
  };

  beforeAll(async () => {
    e = await startEngine({ env: { METRICS_TOKEN, WORKER_LOAD_REPORT_MS: '200' } });
    d = await smallDistrict(e);
  });

  it('answers only to the scrape token or an auditor / district coordinator', async () => {
    expect((await fetch(`${e.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    expect(
      (await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${e.token('DISCHARGE_PLANNER', d.hospital, { districtId: 'd1' })}` } })).status,
    ).toBe(403);
    for (const role of ['AUDITOR', 'DISTRICT_COORDINATOR'] as const) {
      expect((await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${e.token(role, null, { districtId: 'd1' })}` } })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await e?.close();
  });

  const referral = async (target: string, bed: string) => {
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        clinicalSummary: 'hip fracture day 6',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    const o = await ok(d.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: target, targetBedId: bed }), 'offer');
    return { id: r.referralId as string, offerId: o.offerId as string };
  };

  it("reports each live worker process' event loop, and drops a line gone stale or malformed", async () => {
    const redis = new IORedis(e.cfg.REDIS_URL);
    const key = workerLoadKey(e.cfg.QUEUE_PREFIX);
    const me = `${hostname()}:${process.pid}`;
    try {
      // this process runs the test's worker: its line appears within a report interval or two
      const busy = (await eventually(
        async () => series(await scrape(), 'bedlink_worker_event_loop_busy_ratio', { worker: me }),
        (v) => v !== undefined,
        5_000,
      ))!;
      expect(busy).toBeGreaterThanOrEqual(0);
      expect(busy).toBeLessThanOrEqual(1);
      // a process killed a minute ago, and a line that is not a report: neither is shown, both are removed
      await redis.hset(key, 'gone-host:1', JSON.stringify({ busy: 0.9, at: Date.now() - 60_000, everyMs: 200 }), 'junk', 'not json');
      const text = await scrape();
      expect(series(text, 'bedlink_worker_event_loop_busy_ratio', { worker: 'gone-host:1' })).toBeUndefined();
      expect(series(text, 'bedlink_worker_event_loop_busy_ratio', { worker: 'junk' })).toBeUndefined();
      expect(Object.keys(await redis.hgetall(key))).toEqual([me]);
      // a worker that stops takes its line away, and puts it back when it starts again
      const reporter = e.worker!.get(EventLoopReporter);
      await reporter.onApplicationShutdown();
      expect(await redis.hexists(key, me)).toBe(0);
      expect(series(await scrape(), 'bedlink_worker_event_loop_busy_ratio', { worker: me })).toBeUndefined();
      reporter.onApplicationBootstrap();
      await eventually(
        () => redis.hexists(key, me),
        (n) => n === 1,
        5_000,
      );
    } finally {
      redis.disconnect();
    }
  });

  it('shows command latency, HTTP, queue, outbox and referral KPI series with the right values', async () => {
    // one referral accepted and completed, one declined and escalated
    const a = await referral(d.cc1, d.cc1Beds[0]);
    await ok(d.cc1c.post(`/referrals/${a.id}/offers/${a.offerId}/accept`, {}), 'accept');
    await ok(d.planner.post(`/referrals/${a.id}/start-transfer`), 'transfer');
    await ok(d.cc1c.post(`/referrals/${a.id}/confirm-admission`), 'admit');
    const b = await referral(d.cc2, d.cc2Beds[0]);
    await ok(d.cc2c.post(`/referrals/${b.id}/offers/${b.offerId}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
    const after = await ok(d.dc.get(`/referrals/${b.id}`), 'read');
    if (after.state !== 'ESCALATED') await ok(d.dc.post(`/referrals/${b.id}/escalate`, { reason: 'no community bed answered' }), 'escalate');

    const text = await eventually(
      scrape,
      (t) => series(t, 'bedlink_referral_escalations_total') === 1 && series(t, 'bedlink_referral_time_to_accept_seconds_count') === 1,
      15_000,
      100,
    );

    // every non-comment line is a well-formed sample
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|[+-]?Inf|NaN)$/);

    // command latency by command, measured around the dispatch
    expect(series(text, 'bedlink_command_duration_seconds_count', { command: 'AcceptOffer', outcome: 'ok' })).toBe(1);
    expect(series(text, 'bedlink_command_duration_seconds_count', { command: 'SubmitReferral', outcome: 'ok' })).toBe(2);
    expect(series(text, 'bedlink_command_duration_seconds_bucket', { command: 'AcceptOffer', outcome: 'ok', le: '+Inf' })).toBe(1);
    // HTTP by route template, never by raw path
    expect(series(text, 'bedlink_http_request_duration_seconds_count', { method: 'POST', route: '/referrals/:id/offers/:offerId/accept', status: '200' })).toBe(
      1,
    );
    expect(text).not.toContain(a.id);

    // queue depth and lag for every queue
    for (const q of ALL_QUEUES) {
      expect(series(text, 'bedlink_queue_jobs', { queue: q, state: 'waiting' })).toBeGreaterThanOrEqual(0);
      expect(series(text, 'bedlink_queue_lag_seconds', { queue: q })).toBeGreaterThanOrEqual(0);
    }
    // outbox backlog (drained by the relay by now)
    expect(series(text, 'bedlink_outbox_backlog_events')).toBe(0);
    expect(series(text, 'bedlink_outbox_oldest_age_seconds')).toBe(0);

    // referral KPIs
    expect(series(text, 'bedlink_referral_offers_answered_total', { outcome: 'accepted' })).toBe(1);
    expect(series(text, 'bedlink_referral_offers_answered_total', { outcome: 'declined' })).toBe(1);
    expect(series(text, 'bedlink_referral_acceptance_ratio')).toBe(0.5);
    expect(series(text, 'bedlink_referral_time_to_accept_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(series(text, 'bedlink_referral_time_to_accept_seconds_bucket', { le: '60' })).toBe(1);
    expect(series(text, 'bedlink_referral_time_to_accept_seconds_sum')).toBeLessThan(60);
    // webhook series exist before any delivery
    expect(series(text, 'bedlink_webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);
    expect(series(text, 'bedlink_webhook_dead_letters_total')).toBe(0);
  });

  it('shows a command waiting in the queue while no worker runs, its lag growing, and the queue draining after', async () => {
    await e.stopWorker();
    try {
      const r = await d.planner.post('/patients', { residentId: residentId(901), name: '排队患者', phone: '13800138001' }, { prefer: 'respond-async' });
      expect(r.status).toBe(202);
      await new Promise((res) => setTimeout(res, 400));
      const text = await scrape();
      const queued =
        (series(text, 'bedlink_queue_jobs', { queue: 'commands', state: 'waiting' }) ?? 0) +
        (series(text, 'bedlink_queue_jobs', { queue: 'commands', state: 'prioritized' }) ?? 0);
      expect(queued).toBe(1);
      expect(series(text, 'bedlink_queue_lag_seconds', { queue: 'commands' })).toBeGreaterThanOrEqual(0.3);
      expect(series(text, 'bedlink_command_duration_seconds_count', { command: 'RegisterPatient', outcome: 'accepted' })).toBe(1);
    } finally {
      await e.startWorker();
    }
    const drained = await eventually(scrape, (t) => series(t, 'bedlink_queue_lag_seconds', { queue: 'commands' }) === 0);
    expect(series(drained, 'bedlink_queue_jobs', { queue: 'commands', state: 'waiting' })).toBe(0);
  });
});
