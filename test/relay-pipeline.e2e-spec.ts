import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Policy } from '@bedlink/application';
import { loadConfig } from '@bedlink/config';
import { deadlineJobId, EventJob, isPackedEvents, QUEUES } from '@bedlink/messaging';
import { fallbackPolicy, OutboxStore, RelayClaim } from '@bedlink/persistence';
import { OutboxRelay } from '../apps/worker/src/outbox.relay';
import { Engine, startEngine } from './support/engine';
import { bedEventsBacklog, eventsOf } from './support/outbox';
import { eventually } from './support/http';

jest.setTimeout(180_000);

/**
 * The relay claims its next batch while the current one is being published (addBulk in flight). A backlog larger
 * than one batch (1,000 rows) must go out with overlapping claims, every row sent once, in one
 * job, in outbox order batch after batch.
 */
describe('Outbox relay: the next claim runs while the current batch is published', () => {
  let e: Engine;
  const spans: { kind: 'claim' | 'publish'; start: number; end: number }[] = [];
  // the originals, put back after the suite (called with the instance's `this` by the wrappers)
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const claim = OutboxStore.prototype.claim;
  const relay = OutboxRelay.prototype as unknown as { publish: (...a: unknown[]) => Promise<void> };
  const publish = relay.publish;

  beforeAll(async () => {
    const timed = <A extends unknown[], R>(kind: 'claim' | 'publish', fn: (this: any, ...a: A) => Promise<R>) =>
      async function (this: any, ...a: A): Promise<R> {
        const start = performance.now();
        try {
          return await fn.apply(this, a);
        } finally {
          spans.push({ kind, start, end: performance.now() });
        }
      };
    OutboxStore.prototype.claim = timed('claim', claim);
    relay.publish = timed('publish', publish);
    e = await startEngine({ worker: false });
  });
  afterAll(async () => {
    OutboxStore.prototype.claim = claim;
    relay.publish = publish;
    await e?.close();
  });

  it('a 4,500-row backlog: claims overlap the publishing, every row sent once, in order', async () => {
    // events the bed board ignores (no bed): no effect
    await e.ds.query(bedEventsBacklog(1, 4500));
    spans.length = 0;
    await e.startWorker();
    const end = Date.now() + 120_000;
    while ((await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n > 0) {
      if (Date.now() > end) throw new Error('backlog not relayed');
      await new Promise((r) => setTimeout(r, 100));
    }
    await e.stopWorker();

    const claims = spans.filter((s) => s.kind === 'claim');
    const published = spans.filter((s) => s.kind === 'publish');
    expect(published.length).toBeGreaterThanOrEqual(5);
    // a fresh claim's pass claims the next batch ahead (the second and the fourth), a pass claimed ahead does not
    const overlapped = claims.filter((c) => published.some((p) => c.start < p.end && c.end > p.start));
    expect(overlapped.length).toBeGreaterThanOrEqual(2);

    const q = new Queue(QUEUES.projections, { prefix: e.cfg.QUEUE_PREFIX, connection: { url: e.cfg.REDIS_URL } as any });
    try {
      const jobs = await q.getJobs(['wait', 'prioritized', 'active', 'completed'], 0, -1, true);
      // the bed board's queue takes packed jobs: a block of up to a hundred events per job
      const events = eventsOf(jobs);
      expect(events).toHaveLength(4500);
      expect(new Set(events.map(({ ev }) => ev.eventId)).size).toBe(4500);
      expect(jobs.length).toBeLessThanOrEqual(4500 / 100 + 2 * 5);
      // added in outbox order, batch after batch: by row number, the times they were added never go back,
      // and inside a packed job the events keep their order
      const n = (ev: EventJob) => (ev.payload as { n: number }).n;
      const added = events.sort((a, b) => n(a.ev) - n(b.ev)).map(({ job }) => job.timestamp);
      expect(added).toEqual([...added].sort((a, b) => a - b));
      for (const j of jobs) if (isPackedEvents(j.data)) expect(j.data.events.map(n)).toEqual([...j.data.events.map(n)].sort((a, b) => a - b));
    } finally {
      await q.close();
    }
  });
});

/**
 * A claim made ahead (while a batch is being published) takes only rows after that batch: walking the
 * batch's rows while its claim commits costs Postgres a re-check per row (about a second per 1,000).
 * A row that committed late, below the batch's last id, goes with the next fresh claim instead.
 */
describe('Outbox store: a claim made ahead starts after the batch in flight', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ worker: false });
  });
  afterAll(async () => e?.close());

  it('takes the rows after the batch, and the fresh claim after it takes a row committed late below', async () => {
    const store = new OutboxStore(e.ds);
    const insert = (n: number) => bedEventsBacklog(n, n + 5);
    // row 0 takes its id first and commits last
    const late = e.ds.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    await late.query(bedEventsBacklog(0, 0));
    await e.ds.query(insert(1));
    const n = (c: RelayClaim) => c.rows.map((r) => (r.payload as { n: number }).n);
    const first = await store.claim(3);
    expect(n(first)).toEqual([1, 2, 3]);
    await late.commitTransaction();
    await late.release();
    const ahead = await store.claim(10, first.rows[2].id);
    expect(n(ahead)).toEqual([4, 5, 6]);
    await first.commit();
    await ahead.commit();
    const fresh = await store.claim(10);
    expect(n(fresh)).toEqual([0]);
    await fresh.commit();
  });

  it('stamps a row when it is written, not when its transaction began: what the relay calls committedAt', async () => {
    // a command's events are written by its last statement, after loads, the domain and lock waits
    const slow = e.ds.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    await slow.query(`SELECT pg_sleep(0.3)`);
    await slow.query(bedEventsBacklog(100, 100));
    const [row] = await slow.query(
      `SELECT extract(epoch FROM created_at - now()) * 1000 AS "afterBegin", extract(epoch FROM clock_timestamp() - created_at) * 1000 AS "beforeNow"
       FROM outbox WHERE (payload->>'n')::int = 100`,
    );
    await slow.commitTransaction();
    await slow.release();
    expect(Number(row.afterBegin)).toBeGreaterThanOrEqual(290);
    // and no earlier than its write: the read right behind it finds the stamp well within the 300 ms slept
    // before the write (a transaction's start, read here, would be ≥ 300 ms old)
    expect(Number(row.beforeNow)).toBeGreaterThanOrEqual(0);
    expect(Number(row.beforeNow)).toBeLessThan(250);
    const store = new OutboxStore(e.ds);
    const claimed = await store.claim(10);
    expect(claimed.rows.map((r) => (r.payload as { n: number }).n)).toEqual([100]);
    await claimed.commit();
  });
});

/**
 * The relay arms deadlines from the district policy (its warnings). A district whose policy cannot
 * be read must not hold every event behind it: that event's timers go to the timers consumer
 * (retries, dead letter), and the relay carries on.
 */
describe('Outbox relay: an unreadable policy does not block the outbox', () => {
  let e: Engine;
  let broken = true;
  const district = `broken-${randomUUID().slice(0, 8)}`;
  const fallback = fallbackPolicy(loadConfig({ NODE_ENV: 'test' }));
  const policy: Policy = {
    forDistrict: async (id) => {
      if (broken && id === district) throw new Error(`policy of ${id} unreadable`);
      return fallback(id);
    },
  };
  beforeAll(async () => {
    e = await startEngine({ policy, env: { EVENT_RETRY_BACKOFF_MS: '50' } });
  });
  afterAll(async () => e?.close());

  it("the offer's timers are armed by the timers consumer once the policy reads again; other events flow meanwhile", async () => {
    const offerId = randomUUID();
    const deadlineAt = new Date(Date.now() + 3600_000).toISOString();
    const payload = { referralId: randomUUID(), offerId, deadlineAt, urgency: 'ROUTINE', districtId: district };
    await e.ds.query(
      `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata)
       VALUES (gen_random_uuid(), 'OfferExtended', 'Referral', gen_random_uuid(), $1, jsonb_build_object('occurredAt', now())),
              (gen_random_uuid(), 'BedRegistered', 'Bed', gen_random_uuid(), '{}', jsonb_build_object('occurredAt', now()))`,
      [payload],
    );
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n,
      (n) => n === 0,
      20_000,
    );
    broken = false;
    const redis = e.redis();
    await eventually(
      () => redis.exists(`${e.cfg.QUEUE_PREFIX}:${QUEUES.deadlines}:${deadlineJobId('offer', offerId)}`),
      (n) => n === 1,
      20_000,
    );
  });
});
