import { Queue } from 'bullmq';
import { deadlineJobId, QUEUES } from '@bedlink/messaging';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

jest.setTimeout(120_000);

/**
 * A worker whose clock runs ahead finds every deadline due; the database's clock decides. The
 * engine's clock here is skewed on demand: offers are made on true time, then the worker jumps two
 * days ahead and re-arms its timers (a Redis loss), which all fire at once on its clock.
 */
describe('Deadlines are checked against the database clock', () => {
  let e: Engine;
  let skewMs = 0;
  let deadlines: Queue;
  beforeAll(async () => {
    e = await startEngine({ clock: { now: () => new Date(Date.now() + skewMs) }, env: { DEADLINE_SWEEP_MS: '300', LEADER_POLL_MS: '300' } });
    deadlines = new Queue(QUEUES.deadlines, { prefix: e.cfg.QUEUE_PREFIX, connection: { url: e.cfg.REDIS_URL } as never });
  });
  afterAll(async () => {
    await deadlines?.close();
    await e?.close();
  });

  it('a worker two days ahead neither fires the timer nor the watchdog early; the database clock passing the deadline does', async () => {
    const d = await smallDistrict(e, 'clk');
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: await d.patient(),
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'clock',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    const submitted = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
    const offerId = submitted.offers[0].offerId as string;
    const jobId = deadlineJobId('offer', offerId);
    await eventually(
      () => deadlines.getJobState(jobId),
      (s) => s === 'delayed',
    );

    skewMs = 2 * 24 * 3600_000;
    // Redis "lost" the timer: the leader re-arms it on its (skewed) clock, so it falls due at once
    await deadlines.remove(jobId);
    const redis = e.redis();
    await redis.del(`${e.cfg.QUEUE_PREFIX}:bedlink-epoch`);
    // re-armed, fired on the skewed clock, found early by the database clock and put back to wait
    await eventually(
      async () => {
        const job = await deadlines.getJob(jobId);
        return job ? { state: await job.getState(), due: job.timestamp + job.delay } : null;
      },
      (j) => j?.state === 'delayed' && j.due > Date.now() + 3600_000,
      20_000,
      100,
    );
    // several watchdog passes (every 300 ms) on the skewed clock: nothing expires
    await new Promise((res) => setTimeout(res, 1500));
    const [offer] = await e.ds.query(`SELECT state FROM offers WHERE id = $1`, [offerId]);
    expect(offer.state).toBe('PENDING');
    expect(await e.ds.query(`SELECT 1 FROM command_log WHERE id = $1`, [`c-expire-offer-${offerId}`])).toHaveLength(0);

    // the database clock passes the deadline: the watchdog fires it, once
    await e.ds.query(`UPDATE offers SET deadline_at = now() - interval '3 seconds' WHERE id = $1`, [offerId]);
    await eventually(
      async () => (await e.ds.query(`SELECT state FROM offers WHERE id = $1`, [offerId]))[0].state,
      (s) => s === 'EXPIRED',
      20_000,
    );
    skewMs = 0;
  });
});
